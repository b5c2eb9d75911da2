"""Forms of the data-request pages (開示・訂正・利用停止の請求)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.lib.request_input import parse_id
from kobepost.privacy.models import DataRequest
from kobepost.privacy.services import CORRECTABLE


class DataRequestForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = [
            "kind",
            "requester_name",
            "requester_kana",
            "requester_phone",
            "requester_email",
            "received_on",
            "note",
        ]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean(self):
        data = super().clean()
        if not any(
            data.get(name) for name in ("requester_kana", "requester_phone", "requester_email")
        ) and not data.get("requester_name"):
            raise forms.ValidationError(
                _("氏名・カナ・電話番号・メールのどれかを入力してください。")
            )
        return data


class CorrectionForm(forms.Form):
    record = forms.CharField(label=gettext_lazy("訂正する記録"))
    field = forms.ChoiceField(
        label=gettext_lazy("項目"),
        choices=[(name, name) for _model, names in CORRECTABLE.values() for name in names],
    )
    new_value = forms.CharField(
        label=gettext_lazy("訂正後の内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_record(self) -> tuple[str, int]:
        record_type, _sep, record_text = self.cleaned_data["record"].partition(":")
        record_id = parse_id(record_text)
        if record_type not in CORRECTABLE or record_id is None:
            raise forms.ValidationError(_("訂正する記録を選んでください。"))
        return record_type, record_id

    def clean(self):
        data = super().clean()
        record = data.get("record")
        if record and data.get("field") not in CORRECTABLE[record[0]][1]:
            self.add_error("field", _("この記録にはない項目です。"))
        return data

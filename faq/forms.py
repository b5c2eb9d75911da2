import re
import unicodedata
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from faq.models import FaqEntry, FaqProposal, SimpleCall
from tickets.models import Category, Dial

# Seven or more digits, once separators are ignored: a phone number or a postal code,
# which means caller data slipped into a record that must not hold any.
DIGIT_SEPARATORS = re.compile(r"(?<=\d)[\s\-‐‑–—−ー－()（）.]+(?=\d)")
PERSONAL_DIGITS = re.compile(r"\d{7,}")


def no_personal_data(value: str) -> str:
    compact = DIGIT_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if PERSONAL_DIGITS.search(compact):
        raise forms.ValidationError(
            _("電話番号などの個人情報は記録しないでください（用件だけを書きます）。")
        )
    return value


class SearchForm(forms.Form):
    q = forms.CharField(label=_("FAQ を検索"), max_length=100, required=False)
    dial = forms.ModelChoiceField(
        label=_("ダイヤル"),
        queryset=Dial.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("すべてのダイヤル"),
    )
    category = forms.ModelChoiceField(
        label=_("分類"),
        queryset=Category.objects.select_related("dial"),
        to_field_name="code",
        required=False,
        empty_label=_("すべての分類"),
    )
    status = forms.ChoiceField(
        label=_("状態"),
        choices=[("", _("すべての状態")), *FaqEntry.Status.choices],
        required=False,
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class FaqEntryForm(forms.ModelForm):
    change_note = forms.CharField(
        label=_("変更内容のメモ"),
        max_length=300,
        help_text=_("変更履歴に残ります（例: 受付時間の変更を反映）。"),
    )

    class Meta:
        model = FaqEntry
        fields = [
            "question",
            "answer",
            "keywords",
            "dial",
            "category",
            "department",
            "status",
            "last_reviewed_on",
        ]
        widgets = {
            "answer": forms.Textarea(attrs={"rows": 8}),
            "last_reviewed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["category"]
        ).queryset = Category.objects.select_related("dial")
        if self.instance.pk is None:
            self.fields["change_note"].initial = _("新規作成")

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        dial, category = cleaned.get("dial"), cleaned.get("category")
        if dial and category and category.dial_id != dial.pk:
            self.add_error("category", _("選んだダイヤルの分類を選んでください。"))
        return cleaned


class ProposalForm(forms.ModelForm):
    class Meta:
        model = FaqProposal
        fields = ["proposed_question", "proposed_answer", "note"]
        widgets = {
            "proposed_answer": forms.Textarea(attrs={"rows": 8}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        entry = self.instance.entry
        if (
            cleaned.get("proposed_question") == entry.question
            and cleaned.get("proposed_answer") == entry.answer
        ):
            raise forms.ValidationError(_("質問・回答のどちらも変わっていません。"))
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("判断"), choices=[("accept", _("採用して公開")), ("reject", _("不採用"))]
    )
    comment = forms.CharField(label=_("コメント"), max_length=300, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), choices=FaqEntry.Status.choices)


class SimpleCallForm(forms.ModelForm):
    dial = forms.ModelChoiceField(
        label=_("ダイヤル"), queryset=Dial.objects.all(), to_field_name="code"
    )

    class Meta:
        model = SimpleCall
        fields = ["dial", "topic", "note"]
        help_texts = {
            "topic": _("例: ごみの分別の問い合わせ。氏名・電話番号・住所は書かないでください。"),
            "note": _("任意。個人情報は書かないでください。"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].required = True

    def clean_topic(self) -> str:
        return no_personal_data(self.cleaned_data["topic"].strip())

    def clean_note(self) -> str:
        return no_personal_data(self.cleaned_data["note"].strip())


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("ファイル"),
        help_text=_("CSV（UTF-8 または Shift_JIS）または xlsx。1行目は見出し行。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                _("拡張子が .csv または .xlsx のファイルを選んでください。")
            )
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("ファイルが大きすぎます（5MB まで）。"))
        return upload

"""Department forms: reply, work status, notes, transfer, files, hand-overs, canned replies."""

import datetime
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.forms import (
    DATETIME_LOCAL,
    EMPTY_LABEL,
    CaseIntakeForm,
    CategoryChoiceField,
    DateTimeLocalInput,
    NoColonLabels,
)
from departments.models import CannedReply, Contractor, Department, RelatedAgency
from departments.services import DIRECT_ANSWER_METHODS, HANDOVER_METHODS
from tickets.models import Case, Category
from tickets.routing import routing_table


class VersionedForm(NoColonLabels, forms.Form):
    """Carries the case version the page was shown with (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def refresh_version(self, version: int) -> None:
        """After a conflict: keep what was typed, but base the next save on the new version."""
        data = cast(QueryDict, self.data).copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


def not_in_future(value: datetime.datetime) -> None:
    if value > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError(_("未来の日時は入力できません。"))


class ReplyForm(VersionedForm):
    prefix = "reply"
    reply_text = forms.CharField(
        label=_("市民への回答"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("コールセンターが市民へ伝える内容です。定型文を挿入して編集できます。"),
        error_messages={"required": _("回答を入力してください。")},
    )

    def clean_reply_text(self) -> str:
        text = self.cleaned_data["reply_text"].strip()
        if not text:
            raise ValidationError(_("回答を入力してください。"))
        return text


class WorkStatusForm(VersionedForm):
    prefix = "work"
    work_status = forms.ChoiceField(
        label=_("対応状況"), choices=Case.WorkStatus.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("対応内容のメモ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InternalNoteForm(VersionedForm):
    prefix = "internal"
    note = forms.CharField(
        label=_("内部メモ"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("市の職員だけが見るメモです。市民への回答やメールには載りません。"),
        error_messages={"required": _("メモを入力してください。")},
    )


class DepartmentTransferForm(VersionedForm):
    prefix = "transfer"
    department = forms.ModelChoiceField(
        label=_("移管先の所管課"),
        empty_label=EMPTY_LABEL,
        queryset=Department.objects.filter(active=True),
        error_messages={"required": _("移管先の所管課を選んでください。")},
    )
    note = forms.CharField(
        label=_("移管の理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("移管の理由を入力してください。")},
    )

    def __init__(self, *args, current_department: Department | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if current_department is not None:
            cast(
                forms.ModelChoiceField, self.fields["department"]
            ).queryset = Department.objects.filter(active=True).exclude(pk=current_department.pk)


class DirectAnswerForm(VersionedForm):
    prefix = "direct"
    told_at = forms.DateTimeField(
        label=_("回答した日時"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
        validators=[not_in_future],
    )
    method = forms.ChoiceField(
        label=_("回答方法"),
        choices=list(DIRECT_ANSWER_METHODS.items()),
        widget=forms.RadioSelect,
        initial="phone",
    )
    note = forms.CharField(
        label=_("回答の内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "told_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class AttachmentForm(NoColonLabels, forms.Form):
    prefix = "attach"
    file = forms.FileField(
        label=_("ファイル"),
        help_text=_("写真（JPEG・PNG）または PDF。写真の位置情報などは削除して保存します。"),
        error_messages={"required": _("ファイルを選んでください。")},
    )
    description = forms.CharField(label=_("説明"), required=False, max_length=200)


class ContractorRequestForm(NoColonLabels, forms.Form):
    prefix = "contractor"
    contractor = forms.ModelChoiceField(
        label=_("依頼する業者"),
        empty_label=EMPTY_LABEL,
        queryset=Contractor.objects.none(),
        error_messages={"required": _("業者を選んでください。")},
    )
    note = forms.CharField(
        label=_("業者への連絡事項"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("通報者の氏名・電話番号は書かないでください（メールには載せません）。"),
    )

    def __init__(self, *args, contractors=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if contractors is not None:
            cast(forms.ModelChoiceField, self.fields["contractor"]).queryset = contractors


class AgencyHandoverForm(NoColonLabels, forms.Form):
    prefix = "agency"
    agency = forms.ModelChoiceField(
        label=_("引継ぎ先の関係機関"),
        empty_label=EMPTY_LABEL,
        queryset=RelatedAgency.objects.filter(active=True),
        error_messages={"required": _("関係機関を選んでください。")},
    )
    handed_at = forms.DateTimeField(
        label=_("引継いだ日時"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
        validators=[not_in_future],
    )
    method = forms.ChoiceField(
        label=_("引継ぎ方法"),
        choices=list(HANDOVER_METHODS.items()),
        widget=forms.RadioSelect,
        initial="phone",
    )
    note = forms.CharField(
        label=_("メモ"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    send_mail = forms.BooleanField(
        label=_("関係機関へメールでも送る"),
        required=False,
        help_text=_("送信する前にメールの内容を確認できます。通報者の個人情報は載せません。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "handed_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        agency = data.get("agency")
        if data.get("send_mail") and agency and not agency.email:
            self.add_error("send_mail", _("この関係機関にはメールアドレスが登録されていません。"))
        return data


class CannedReplyForm(NoColonLabels, forms.ModelForm):
    category = CategoryChoiceField(label=_("分類"), queryset=Category.objects.none())

    class Meta:
        model = CannedReply
        fields = ["category", "title", "text", "sort_order", "active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, department: Department, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            department=department
        )
        cast(forms.ChoiceField, self.fields["category"]).choices = routing_table().category_choices(
            EMPTY_LABEL, active_only=False, department_id=department.pk
        )


class DepartmentIntakeForm(CaseIntakeForm):
    """The operator's intake form, for a case a citizen brought to the department itself."""

    def __init__(self, *args, department: Department, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The form's "department" field is no attribute (the form metaclass takes it).
        self.department = department  # type: ignore[assignment]
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            active=True, department=department
        ).select_related("dial", "department")
        cast(forms.ChoiceField, self.fields["category"]).choices = routing_table().category_choices(
            EMPTY_LABEL, active_only=True, department_id=department.pk
        )
        cast(
            forms.ModelChoiceField, self.fields["department"]
        ).queryset = Department.objects.filter(pk=department.pk)
        cast(forms.ChoiceField, self.fields["department"]).choices = [
            ("", EMPTY_LABEL),
            (department.pk, department.name),
        ]
        self.fields["department"].required = False
        self.fields["department"].disabled = True
        # KOBE ぽすと posts come through the triage queue, never typed in here.
        cast(forms.ChoiceField, self.fields["channel"]).choices = [
            (value, label)
            for value, label in Case.Channel.choices
            if value != Case.Channel.KOBE_POST
        ]
        if not self.is_bound:
            self.initial["department"] = department
            self.initial["channel"] = Case.Channel.COUNTER

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        data["department"] = self.department
        return data

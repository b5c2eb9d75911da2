"""Operator forms: case search and the call-back record. The case forms the desks share
(intake, correction, status, transfer) are in tickets.forms."""

import datetime
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kobepost.lib.forms import check_date_range
from tickets.forms import (
    DATETIME_LOCAL,
    CategoryChoiceField,
    DateTimeLocalInput,
    DepartmentChoiceField,
    NoColonLabels,
)
from tickets.geo.places import Ward
from tickets.models import Case, Category, Dial
from tickets.routing import routing_table
from tickets.services import CALLBACK_METHODS

ALL_LABEL = _("すべて")
OPEN_STATUSES = "open"


class CaseSearchForm(NoColonLabels, forms.Form):
    SORTS = {
        "-received_at": _("受付日時（新しい順）"),
        "received_at": _("受付日時（古い順）"),
        "status": _("状態（受付から）"),
        "-status": _("状態（完了から）"),
    }
    # What may name a person (a phone number, a name): posted and kept in the session,
    # never in the list's address (kobepost.lib.private_search).
    PRIVATE_FIELDS = ("q",)

    q = forms.CharField(
        label=_("検索"),
        required=False,
        help_text=_("受付番号・電話番号・氏名・カナ・タイトルや内容の語句"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    dial = forms.ModelChoiceField(
        label=_("ダイヤル"), empty_label=ALL_LABEL, queryset=Dial.objects.all(), required=False
    )
    category = CategoryChoiceField(
        label=_("種別"),
        queryset=Category.objects.select_related("dial"),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("状態"),
        choices=[("", ALL_LABEL), (OPEN_STATUSES, _("未完了（完了以外）")), *Case.Status.choices],
        required=False,
    )
    department = DepartmentChoiceField(label=_("所管課"), empty_label=ALL_LABEL, required=False)
    ward = forms.ChoiceField(
        label=_("区"), choices=[("", ALL_LABEL), *Ward.choices], required=False
    )
    received_from = forms.DateField(
        label=_("受付日（から）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label=_("受付日（まで）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    urgent = forms.BooleanField(label=_("緊急のみ"), required=False)
    sort = forms.ChoiceField(label=_("並び順"), choices=list(SORTS.items()), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        routing = routing_table()
        cast(forms.ChoiceField, self.fields["dial"]).choices = routing.dial_choices(ALL_LABEL)
        cast(forms.ChoiceField, self.fields["category"]).choices = routing.category_choices(
            ALL_LABEL, active_only=False
        )
        cast(forms.ChoiceField, self.fields["department"]).choices = routing.department_choices(
            ALL_LABEL, active_only=False
        )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        check_date_range(self, "received_from", "received_to")
        return data


class CitizenCallbackForm(NoColonLabels, forms.Form):
    told_at = forms.DateTimeField(
        label=_("回答した日時"), widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL]
    )
    method = forms.ChoiceField(
        label=_("回答方法"),
        choices=list(CALLBACK_METHODS.items()),
        widget=forms.RadioSelect,
        initial="phone",
    )
    note = forms.CharField(
        label=_("メモ"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "told_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_told_at(self) -> datetime.datetime:
        told_at = self.cleaned_data["told_at"]
        if told_at > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError(_("未来の日時は入力できません。"))
        return told_at

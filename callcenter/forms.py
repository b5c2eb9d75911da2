"""Operator forms: call intake, case search, call-back record, status change, transfer."""

import copy
import datetime
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from kobepost.lib.forms import check_date_range
from kobepost.privacy.models import DataRequest
from tickets.corrections import CORRECTABLE_FIELDS, LOCATION
from tickets.geo.places import Ward, validate_point, ward_for_point
from tickets.models import Case, Category, Dial
from tickets.normalize import is_katakana, normalize_kana, normalize_phone
from tickets.routing import routing_table
from tickets.services import CALLBACK_METHODS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class NoColonLabels:
    """Japanese labels stand alone: no ":" suffix after them."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


EMPTY_LABEL = _("（選択してください）")
ALL_LABEL = _("すべて")
OPEN_STATUSES = "open"


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class CaseFieldsCleaning:
    """How the caller's phone and kana and the map point are checked and stored, for every
    form that writes them on a case (intake, the department's intake, correction)."""

    cleaned_data: dict

    def clean_caller_phone(self) -> str:
        # The digits for searches are derived from this by Case.save().
        raw = self.cleaned_data.get("caller_phone", "").strip()
        return normalize_phone(raw).display if raw else ""

    def clean_caller_kana(self) -> str:
        kana = normalize_kana(self.cleaned_data.get("caller_kana", ""))
        if kana and not is_katakana(kana):
            raise ValidationError(_("氏名カナはカタカナかひらがなで入力してください。"))
        return kana

    def clean_point(self, data: dict) -> bool:
        """Kobe's bounds (tickets.geo.places.validate_point); the error goes under the map and the
        point stays in the form, so the operator sees where it was. True when valid."""
        try:
            validate_point(data.get("latitude"), data.get("longitude"))
        except ValidationError as error:
            self.add_error("latitude", error)  # type: ignore[attr-defined]
            return False
        return True


class CaseIntakeForm(CaseFieldsCleaning, NoColonLabels, forms.ModelForm):
    """What the operator types during the call, in the order the call goes."""

    dial = forms.ModelChoiceField(
        label=_("ダイヤル"),
        empty_label=EMPTY_LABEL,
        queryset=Dial.objects.all(),
        required=False,
        help_text=_("選ぶと種別がそのダイヤルのものに絞られます。"),
    )
    category = CategoryChoiceField(
        label=_("種別"),
        queryset=Category.objects.filter(active=True).select_related("dial", "department"),
        help_text=_("所管課は種別から自動で入ります（変更できます）。"),
    )
    department = forms.ModelChoiceField(
        label=_("案件の所管課"),
        empty_label=EMPTY_LABEL,
        queryset=Department.objects.filter(active=True),
        required=False,
    )

    class Meta:
        model = Case
        fields = [
            "caller_phone",
            "caller_name",
            "caller_kana",
            "kind",
            "channel",
            "received_at",
            "category",
            "department",
            "title",
            "details",
            "health_symptoms",
            "latitude",
            "longitude",
            "address",
            "ward",
            "reply_needed",
            "direct_answer",
            "urgent",
            "urgent_contact",
            "urgent_contacted_at",
        ]
        widgets = {
            "caller_phone": forms.TextInput(
                attrs={"type": "tel", "autofocus": True, "autocomplete": "off"}
            ),
            "caller_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "caller_kana": forms.TextInput(attrs={"autocomplete": "off"}),
            "kind": forms.RadioSelect,
            "channel": forms.Select,
            "received_at": DateTimeLocalInput(),
            "details": forms.Textarea(attrs={"rows": 5}),
            "health_symptoms": forms.Textarea(attrs={"rows": 2}),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
            "urgent_contacted_at": DateTimeLocalInput(),
        }
        help_texts = {
            "caller_phone": _("匿名の場合は空欄。どの書き方でも構いません（例: 078-331-8181）。"),
            "caller_kana": _("ひらがな・半角カナでも入力できます。"),
            "health_symptoms": _(
                "食中毒などの症状（要配慮個人情報）。保存後、オペレーターには表示されません。"
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        routing = routing_table()
        cast(forms.ChoiceField, self.fields["dial"]).choices = routing.dial_choices(EMPTY_LABEL)
        cast(forms.ChoiceField, self.fields["category"]).choices = routing.category_choices(
            EMPTY_LABEL, active_only=True
        )
        cast(forms.ChoiceField, self.fields["department"]).choices = routing.department_choices(
            EMPTY_LABEL, active_only=True
        )
        cast(forms.DateTimeField, self.fields["received_at"]).input_formats = [
            DATETIME_LOCAL,
            "%Y-%m-%d %H:%M",
        ]
        cast(forms.DateTimeField, self.fields["urgent_contacted_at"]).input_formats = [
            DATETIME_LOCAL,
            "%Y-%m-%d %H:%M",
        ]
        if not self.is_bound and "received_at" not in self.initial:
            self.initial["received_at"] = timezone.localtime().replace(second=0, microsecond=0)
        cast(forms.ChoiceField, self.fields["ward"]).choices = [
            ("", _("（区を選択）")),
            *Ward.choices,
        ]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        category: Category | None = data.get("category")
        dial: Dial | None = data.get("dial")
        if category and dial and category.dial_id != dial.pk:
            self.add_error("category", _("選んだダイヤルの種別ではありません。"))
        if category and not data.get("department"):
            data["department"] = category.department
        if self.clean_point(data) and data.get("latitude") is not None and not data.get("ward"):
            # The page fills the ward from the point; this covers a page whose script did not
            # run (slow link) so that every located case has its ward for routing and figures.
            ward = ward_for_point(data["latitude"], data["longitude"])
            if ward is not None:
                data["ward"] = ward.value
        if data.get("urgent"):
            if not data.get("urgent_contact"):
                self.add_error(
                    "urgent_contact",
                    _("緊急の場合は、電話連絡した所管課の職員名を入力してください。"),
                )
            elif not data.get("urgent_contacted_at"):
                data["urgent_contacted_at"] = timezone.now()
        return data

    def case_fields(self) -> dict:
        """Cleaned values for ``case_create`` (the dial follows from the category)."""
        return {
            name: value for name, value in self.cleaned_data.items() if name in self.Meta.fields
        }


class CaseCorrectionForm(CaseFieldsCleaning, NoColonLabels, forms.ModelForm):
    """Put right what a case records wrongly: the caller, the place, the category, the text.

    The department stays: only its own categories are offered (another department's
    category is a transfer, not a correction).
    """

    category = CategoryChoiceField(
        label=_("種別"),
        queryset=Category.objects.none(),
        help_text=_(
            "この所管課の種別から選びます。所管課が変わる場合は、訂正ではなく移管してください。"
        ),
    )
    reason = forms.CharField(
        label=_("訂正の理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "例: 通報者から電話番号の誤りの連絡。経過に残り、所管課とコールセンターが見ます。"
        ),
        error_messages={"required": _("訂正の理由を入力してください。")},
    )
    data_request = forms.IntegerField(
        label=_("開示等の請求の番号（本人からの訂正の請求のとき）"),
        required=False,
        min_value=1,
        help_text=_("管理者から伝えられた請求の番号（#の後の数字）。請求の記録に訂正が載ります。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Case
        # The correctable fields (tickets.corrections), the point as its two coordinates.
        fields = [
            part
            for name in CORRECTABLE_FIELDS
            for part in (("latitude", "longitude") if name == LOCATION else (name,))
        ]
        widgets = {
            "caller_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "caller_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "caller_kana": forms.TextInput(attrs={"autocomplete": "off"}),
            "details": forms.Textarea(attrs={"rows": 4}),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
        }
        help_texts = {"caller_kana": CaseIntakeForm.Meta.help_texts["caller_kana"]}

    def __init__(self, *args, instance: Case, **kwargs) -> None:
        # A copy: a refused form must not change the case the rest of the page shows.
        super().__init__(*args, instance=copy.copy(instance), **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            Q(active=True, department=instance.department_id) | Q(pk=instance.category_id)
        )
        choices = routing_table().category_choices(
            EMPTY_LABEL, active_only=True, department_id=instance.department_id
        )
        if not any(instance.category_id == pk for _dial, group in choices[1:] for pk, _n in group):
            choices.append((instance.category_id, instance.category.name))
        cast(forms.ChoiceField, self.fields["category"]).choices = choices
        cast(forms.ChoiceField, self.fields["ward"]).choices = [
            ("", _("（区の指定なし）")),
            *Ward.choices,
        ]
        if not self.is_bound:
            self.initial["version"] = instance.version

    def clean_data_request(self) -> DataRequest | None:
        number = self.cleaned_data.get("data_request")
        if number is None:
            return None
        found = DataRequest.objects.filter(
            pk=number, kind=DataRequest.Kind.CORRECTION, closed_at__isnull=True
        ).first()
        if found is None:
            raise ValidationError(
                _("開示等の請求 #%(number)s は、受付中の訂正の請求ではありません。"),
                params={"number": number},
            )
        return found

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.clean_point(data) and data.get("latitude") is not None and not data.get("ward"):
            ward = ward_for_point(data["latitude"], data["longitude"])
            data["ward"] = ward.value if ward else ""
        return data

    def changes(self) -> dict:
        """What ``case_correct`` compares with the case (it ignores the unchanged)."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields if name in data}
        values[LOCATION] = (values.pop("latitude", None), values.pop("longitude", None))
        return values


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
    department = forms.ModelChoiceField(
        label=_("所管課"),
        empty_label=ALL_LABEL,
        queryset=Department.objects.all(),
        required=False,
    )
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


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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


class StatusChangeForm(NoColonLabels, forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)
    note = forms.CharField(
        label=_("メモ"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferForm(NoColonLabels, forms.Form):
    department = forms.ModelChoiceField(
        label=_("移管先の所管課"),
        empty_label=EMPTY_LABEL,
        queryset=Department.objects.filter(active=True),
    )
    note = forms.CharField(
        label=_("移管の理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

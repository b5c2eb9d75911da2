"""Citizens' requests about their data (開示・訂正・利用停止), for administrators under /privacy/.

An administrator records the request, the tool finds every record about the person (cases,
logged calls, KOBE ぽすと accounts and posts) by name, kana, phone in any spelling or e-mail,
and while the request is open those records are held from disposal. Disclosure files are
audited per record; corrections keep the old and new value and add a line to the case's
timeline.
"""

import unicodedata
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from faq.models import SimpleCall
from kobepost.audit import audit_one_shown, audit_shown
from kobepost.audit_models import AuditAction
from kobepost.citizen_models import Citizen, Post
from kobepost.decorators import role_required
from kobepost.models import User
from kobepost.request_input import parse_id
from kobepost.spreadsheets import Sheet, csv_response, requested_encoding, xlsx_response
from tickets.models import Case, DataCorrection, DataRequest, LegalHold
from tickets.normalize import normalize_kana, phone_digits
from tickets.services import case_correct

ADMIN = User.Role.ADMIN
SPACES = (" ", "\u3000")


def _compact(text: str) -> str:
    """Any spelling of a name: NFKC, no spaces (山田　太郎 = 山田太郎 = ﾔﾏﾀﾞ ﾀﾛｳ → ヤマダタロウ)."""
    text = unicodedata.normalize("NFKC", text or "")
    for space in SPACES:
        text = text.replace(space, "")
    return text


def _without(field: str, characters: tuple[str, ...]):
    expression = field
    for character in characters:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def _without_spaces(field: str):
    return _without(field, SPACES)


def _phone_digits_of(field: str):
    return _without(field, (*SPACES, "-", "(", ")", "‐", "－"))


# --- finding -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One record about the person, in the shape of the disclosure file."""

    kind: str
    record_type: str
    pk: int
    label: str
    when: str
    name: str = ""
    kana: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    text: str = ""
    note: str = ""
    fields: tuple[str, ...] = ()


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y/%m/%d %H:%M}" if moment else ""


def records_about(request_: DataRequest) -> list[Finding]:
    name = _compact(request_.requester_name)
    kana = normalize_kana(_compact(request_.requester_kana)).replace(" ", "")
    digits = phone_digits(request_.requester_phone)
    email = request_.requester_email.strip()

    case_match = Q(pk__in=[])
    citizen_match = Q(pk__in=[])
    call_match = Q(pk__in=[])
    if name:
        case_match |= Q(compact_name__icontains=name)
        citizen_match |= Q(compact_name__icontains=name)
        call_match |= Q(compact_note__icontains=name)
    if kana:
        case_match |= Q(compact_kana__icontains=kana)
        citizen_match |= Q(compact_kana__icontains=kana)
    if len(digits) >= 6:
        case_match |= Q(caller_phone_digits=digits) | Q(compact_phone__contains=digits)
        citizen_match |= Q(compact_phone__contains=digits)
        call_match |= Q(compact_note__contains=digits)
    if email:
        citizen_match |= Q(email__iexact=email)
        case_match |= Q(details__icontains=email)

    findings: list[Finding] = []
    cases = (
        Case.objects.annotate(
            compact_name=_without_spaces("caller_name"),
            compact_kana=_without_spaces("caller_kana"),
            compact_phone=_phone_digits_of("caller_phone"),
        )
        .filter(case_match, disposed_at__isnull=True)
        .select_related("category")
        .order_by("received_at")
    )
    for case in cases:
        findings.append(
            Finding(
                kind=str(_("案件")),
                record_type="tickets.case",
                pk=case.pk,
                label=case.reference,
                when=_when(case.received_at),
                name=case.caller_name,
                kana=case.caller_kana,
                phone=case.caller_phone,
                address=case.address,
                text=f"{case.title}\n{case.details}".strip(),
                # 要配慮個人情報 stays with the department: the disclosure notes it exists.
                note=str(_("健康被害の症状の入力あり（所管課が別途開示）"))
                if case.health_symptoms
                else "",
                fields=Case.PERSONAL_FIELDS,
            )
        )
    citizens = Citizen.objects.annotate(
        compact_name=_without_spaces("name"),
        compact_kana=_without_spaces("name_kana"),
        compact_phone=_phone_digits_of("phone"),
    ).filter(citizen_match)
    for citizen in citizens:
        findings.append(
            Finding(
                kind=str(_("市民アカウント")),
                record_type="kobepost.citizen",
                pk=citizen.pk,
                label=citizen.login_id,
                when=_when(citizen.created_at),
                name=citizen.name,
                kana=citizen.name_kana,
                phone=citizen.phone,
                email=citizen.email,
                address=citizen.address,
                fields=("name", "name_kana", "phone", "email", "address"),
            )
        )
        for post in Post.objects.filter(citizen=citizen).order_by("created_at"):
            findings.append(
                Finding(
                    kind=str(_("KOBE ぽすと投稿")),
                    record_type="kobepost.post",
                    pk=post.pk,
                    label=f"#{post.pk}",
                    when=_when(post.created_at),
                    address=post.address,
                    text=post.text,
                    fields=("text", "address"),
                )
            )
    calls = SimpleCall.objects.annotate(compact_note=_without_spaces("note")).filter(call_match)
    for call in calls:
        findings.append(
            Finding(
                kind=str(_("簡易対応の記録")),
                record_type="faq.simplecall",
                pk=call.pk,
                label=f"#{call.pk}",
                when=_when(call.created_at),
                text=f"{call.topic}\n{call.note}".strip(),
                fields=("topic", "note"),
            )
        )
    return findings


# --- services ----------------------------------------------------------------------------
HOLDABLE = {"tickets.case": "case_id", "kobepost.citizen": "citizen_id", "kobepost.post": "post_id"}


def data_request_hold_records(*, data_request: DataRequest, user: User) -> int:
    """Hold every found record from disposal while the request is open (idempotent)."""
    held = {
        (hold.case_id, hold.post_id, hold.citizen_id)
        for hold in data_request.holds.filter(released_at__isnull=True)
    }
    new = []
    for finding in records_about(data_request):
        column = HOLDABLE.get(finding.record_type)
        if column is None:
            continue
        hold = LegalHold(
            data_request=data_request,
            reason=_("開示等の請求 #%(number)s") % {"number": data_request.pk},
            created_by=user,
            **{column: finding.pk},
        )
        if (hold.case_id, hold.post_id, hold.citizen_id) not in held:
            new.append(hold)
    LegalHold.objects.bulk_create(new)
    return len(new)


def data_request_open(*, user: User, **fields) -> DataRequest:
    with transaction.atomic():
        data_request = DataRequest.objects.create(created_by=user, **fields)
        data_request_hold_records(data_request=data_request, user=user)
    return data_request


def data_request_close(*, data_request: DataRequest) -> DataRequest:
    with transaction.atomic():
        now = timezone.now()
        data_request.closed_at = now
        data_request.save(update_fields=["closed_at"])
        data_request.holds.filter(released_at__isnull=True).update(released_at=now)
    return data_request


CORRECTABLE = {
    "tickets.case": (Case, Case.PERSONAL_FIELDS),
    "kobepost.citizen": (Citizen, ("name", "name_kana", "phone", "email", "address")),
}


def data_request_correct(
    *,
    data_request: DataRequest,
    user: User,
    record_type: str,
    record_id: int,
    field: str,
    new_value: str,
) -> DataCorrection:
    model, fields = CORRECTABLE[record_type]
    if field not in fields:
        raise ValueError(field)
    if model is Case:
        # The staff correction screen's service: one place writes a case's corrections,
        # its timeline line and the notice, whoever asked for them.
        event = case_correct(
            case=Case.objects.get(pk=record_id),
            user=user,
            changes={field: new_value},
            reason=_("本人からの訂正の請求"),
            data_request=data_request,
        )
        return event.corrections.get()
    with transaction.atomic():
        record = model.objects.select_for_update().get(pk=record_id)
        old_value = getattr(record, field)
        setattr(record, field, new_value)
        record.save(update_fields=[field])
        return DataCorrection.objects.create(
            data_request=data_request,
            record_type=record_type,
            record_id=str(record_id),
            field=field,
            old_value=old_value,
            new_value=new_value,
            corrected_by=user,
        )


# --- forms -------------------------------------------------------------------------------
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


# --- views -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def request_list(request: HttpRequest) -> HttpResponse:
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data_request = data_request_open(user=request.user, **form.cleaned_data)
        messages.success(request, _("請求を登録し、該当する記録の廃棄を保留しました。"))
        return redirect("privacy:detail", pk=data_request.pk)
    requests_ = DataRequest.objects.select_related("created_by")[:200]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "kobepost/privacy/list.html",
        {"form": form, "requests": requests_},
        status=status,
    )


def _request_for(pk: int) -> DataRequest:
    return get_object_or_404(DataRequest, pk=pk)


def _audited_findings(
    request: HttpRequest, data_request: DataRequest, action: str
) -> list[Finding]:
    """The records about the requester; each one shown or exported goes to the audit trail."""
    findings = records_about(data_request)
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for finding in findings:
        groups.setdefault((finding.record_type, finding.fields), []).append(finding.pk)
    for (record_type, fields), ids in groups.items():
        audit_shown(
            request,
            record_type=record_type,
            record_ids=ids,
            fields=fields,
            action=action,
            detail=f"data_request={data_request.pk}",
        )
    return findings


# What the request's page shows of the requester (corrections keep old and new values).
REQUEST_PERSONAL_FIELDS = (
    "requester_name",
    "requester_kana",
    "requester_phone",
    "requester_email",
    "corrections",
)


@require_GET
@role_required(ADMIN)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    findings = _audited_findings(request, data_request, AuditAction.RECORD_VIEW)
    audit_one_shown(request, data_request, fields=REQUEST_PERSONAL_FIELDS)
    return render(
        request,
        "kobepost/privacy/detail.html",
        {
            "data_request": data_request,
            "findings": findings,
            "correctable": [f for f in findings if f.record_type in CORRECTABLE],
            "correction_form": CorrectionForm(),
            "corrections": data_request.corrections.select_related("corrected_by"),
            "holds": data_request.holds.filter(released_at__isnull=True).count(),
        },
    )


DISCLOSURE_HEADER = [
    gettext_lazy("種類"),
    gettext_lazy("番号"),
    gettext_lazy("日時"),
    gettext_lazy("氏名"),
    gettext_lazy("カナ"),
    gettext_lazy("電話番号"),
    gettext_lazy("メールアドレス"),
    gettext_lazy("住所"),
    gettext_lazy("内容"),
    gettext_lazy("備考"),
]


@require_GET
@role_required(ADMIN)
def request_export(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    findings = _audited_findings(request, data_request, AuditAction.RECORD_EXPORT)
    rows = [[str(label) for label in DISCLOSURE_HEADER]] + [
        [f.kind, f.label, f.when, f.name, f.kana, f.phone, f.email, f.address, f.text, f.note]
        for f in findings
    ]
    name = f"disclosure-{data_request.pk}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response([Sheet("disclosure", rows)], filename=f"{name}.xlsx")
    return csv_response(rows, encoding=requested_encoding(request.GET), filename=f"{name}.csv")


@require_POST
@role_required(ADMIN)
def request_correct(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    form = CorrectionForm(request.POST)
    if not data_request.is_open:
        messages.error(request, _("完了した請求では訂正できません。"))
    elif form.is_valid():
        record_type, record_id = form.cleaned_data["record"]
        try:
            data_request_correct(
                data_request=data_request,
                user=request.user,
                record_type=record_type,
                record_id=record_id,
                field=form.cleaned_data["field"],
                new_value=form.cleaned_data["new_value"],
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("訂正を記録しました。"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("privacy:detail", pk=data_request.pk)


@require_POST
@role_required(ADMIN)
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    if data_request.is_open:
        data_request_close(data_request=data_request)
        messages.success(request, _("請求を完了にし、廃棄の保留を解除しました。"))
    return redirect("privacy:detail", pk=data_request.pk)


app_name = "privacy"
urlpatterns = [
    path("", request_list, name="list"),
    path("<int:pk>/", request_detail, name="detail"),
    path("<int:pk>/export/", request_export, name="export"),
    path("<int:pk>/correct/", request_correct, name="correct"),
    path("<int:pk>/close/", request_close, name="close"),
]

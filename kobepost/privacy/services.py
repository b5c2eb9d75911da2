"""Citizens' requests about their data (開示・訂正・利用停止), for administrators under /privacy/.

An administrator records the request, the tool finds every record about the person (cases,
logged calls, KOBE ぽすと accounts and posts) by name, kana, phone in any spelling or e-mail,
and while the request is open those records are held from disposal. Disclosure files are
audited per record; corrections keep the old and new value and add a line to the case's
timeline.
"""

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from faq.models import SimpleCall
from kobepost.accounts.models import User
from kobepost.audit.services import record_type_of
from kobepost.cti.models import Call
from kobepost.privacy.models import DataCorrection, DataRequest, LegalHold
from kobepost.public.models import Citizen, Post
from tickets.models import Case
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
    expression: str | Replace = field
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
    if len(digits) >= 6:
        # The call journal keeps the caller's number until it is disposed of.
        journal = (
            Call.objects.filter(caller_phone_digits=digits, number_purged_at__isnull=True)
            .select_related("dial")
            .order_by("started_at")
        )
        for journal_call in journal:
            findings.append(
                Finding(
                    kind=str(_("通話記録")),
                    record_type=record_type_of(journal_call),
                    pk=journal_call.pk,
                    label=f"#{journal_call.pk} {journal_call.dial or ''}".strip(),
                    when=_when(journal_call.started_at),
                    phone=journal_call.caller_phone,
                    fields=("caller_phone",),
                )
            )
    return findings


HOLDABLE = {
    "tickets.case": "case_id",
    "kobepost.citizen": "citizen_id",
    "kobepost.post": "post_id",
    "cti.call": "call_id",
}


def data_request_hold_records(*, data_request: DataRequest, user: User) -> int:
    """Hold every found record from disposal while the request is open (idempotent)."""
    held = {
        (hold.case_id, hold.post_id, hold.citizen_id, hold.call_id)
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
        if (hold.case_id, hold.post_id, hold.citizen_id, hold.call_id) not in held:
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


CORRECTABLE: dict[str, tuple[Any, tuple[str, ...]]] = {
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

"""Case and call lists as files for Excel: CSV (UTF-8 with BOM or Shift_JIS) and xlsx.

Rows are streamed from a database iterator, so a list of 50,000 cases never sits in memory
whole. Every exported case is written to the audit trail (RECORD_EXPORT) in the same chunks
as it is sent. Personal columns are opt-in, and the health symptoms (要配慮個人情報) are
only ever a column for users who may see them on every exported row.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from callcenter.forms import CaseSearchForm
from faq.models import SimpleCall
from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.audit.services import audit_stream, record_type_of
from kobepost.lib.private_search import carries_private_fields, private_search_url
from kobepost.lib.spreadsheets import CP932, UTF8, Sheet, Value, csv_response, xlsx_response
from tickets.models import Case
from tickets.outbound import CASE_FIELDS, FREE_TEXT_FIELDS, Channel, scrub, scrub_for_case

CHUNK_SIZE = 2000


# --- columns -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    field: str  # model field name, also what the audit trail records
    label: Any
    value: Callable[[Any], Any]


def _local(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y/%m/%d %H:%M}" if moment else ""


CASE_COLUMNS = [
    Column("reference", gettext_lazy("受付番号"), lambda c: c.reference),
    Column("received_at", gettext_lazy("受付日時"), lambda c: _local(c.received_at)),
    Column("kind", gettext_lazy("分類"), lambda c: c.get_kind_display()),
    Column("channel", gettext_lazy("受付方法"), lambda c: c.get_channel_display()),
    Column("dial", gettext_lazy("ダイヤル"), lambda c: c.dial.name),
    Column("category", gettext_lazy("種別"), lambda c: c.category.name),
    Column("department", gettext_lazy("所管課"), lambda c: c.department.name),
    Column("status", gettext_lazy("状態"), lambda c: c.get_status_display()),
    Column("work_status", gettext_lazy("対応状況"), lambda c: c.get_work_status_display()),
    Column("urgent", gettext_lazy("緊急"), lambda c: _("はい") if c.urgent else ""),
    Column("ward", gettext_lazy("区"), lambda c: c.get_ward_display()),
    Column("title", gettext_lazy("タイトル"), lambda c: c.title),
    Column("replied_at", gettext_lazy("回答日時"), lambda c: _local(c.replied_at)),
]
CASE_PERSONAL_COLUMNS = [
    Column("caller_name", gettext_lazy("氏名"), lambda c: c.caller_name),
    Column("caller_kana", gettext_lazy("氏名カナ"), lambda c: c.caller_kana),
    Column("caller_phone", gettext_lazy("電話番号"), lambda c: c.caller_phone),
    Column("address", gettext_lazy("住所・目印"), lambda c: c.address),
    Column("details", gettext_lazy("内容詳細"), lambda c: c.details),
]
CASE_HEALTH_COLUMN = Column(
    "health_symptoms", gettext_lazy("健康被害の症状"), lambda c: c.health_symptoms
)

CALL_COLUMNS = [
    Column("created_at", gettext_lazy("受付日時"), lambda s: _local(s.created_at)),
    Column("dial", gettext_lazy("ダイヤル"), lambda s: s.dial.name),
    Column("faq_entry", gettext_lazy("回答に使った FAQ"), lambda s: str(s.faq_entry or "")),
    # "No caller data" is what the operator is told; a number typed anyway stays behind.
    Column("topic", gettext_lazy("用件"), lambda s: scrub(s.topic)),
    Column("note", gettext_lazy("メモ"), lambda s: scrub(s.note)),
    Column("operator", gettext_lazy("対応者"), lambda s: s.operator.label),
]


def may_see_health_of_every_row(user: User) -> bool:
    """Supervisors see every case's symptoms; department staff export only their own cases."""
    return user.is_supervisor or (user.is_department_staff and bool(user.department_id))


def _outbound_column(column: Column) -> Column:
    if column.field not in FREE_TEXT_FIELDS:
        return column
    return Column(
        column.field, column.label, lambda c: scrub_for_case(c, column.value(c), Channel.EXPORT)
    )


def case_columns(user: User, *, personal: bool) -> list[Column]:
    if not personal:
        # Without the personal flag the file follows the outbound policy: its fields only,
        # and a title that names the caller or carries a phone number is scrubbed.
        allowed = CASE_FIELDS[Channel.EXPORT]
        return [_outbound_column(c) for c in CASE_COLUMNS if c.field in allowed]
    health = [CASE_HEALTH_COLUMN] if may_see_health_of_every_row(user) else []
    return [*CASE_COLUMNS, *CASE_PERSONAL_COLUMNS, *health]


# --- writing -----------------------------------------------------------------------------
def rows_of(objects: Iterable[Model], columns: list[Column]) -> Iterator[list[Value]]:
    """The header and one row per object, as typed: the file writer defuses formulas."""
    yield [str(column.label) for column in columns]
    for obj in objects:
        yield [column.value(obj) for column in columns]


# --- views -------------------------------------------------------------------------------
class ExportForm(forms.Form):
    FORMATS = {"csv": "CSV", "xlsx": "Excel"}

    format = forms.ChoiceField(choices=list(FORMATS.items()), required=False)
    encoding = forms.ChoiceField(choices=[(UTF8, "UTF-8"), (CP932, "Shift_JIS")], required=False)
    personal = forms.BooleanField(required=False)

    def options(self) -> tuple[str, str, bool]:
        if not self.is_valid():
            return "csv", UTF8, False
        data = self.cleaned_data
        return data["format"] or "csv", data["encoding"] or UTF8, data["personal"]


def export_response(
    request: AuthenticatedHttpRequest,
    *,
    objects: Iterator[Model],
    columns: list[Column],
    name: str,
    record_type: str,
    file_format: str,
    encoding: str,
    detail: str,
) -> HttpResponseBase:
    fields = [column.field for column in columns]
    label = "Excel" if file_format == "xlsx" else f"CSV ({encoding})"
    stream = audit_stream(
        request,
        objects,
        record_type=record_type,
        fields=fields,
        detail=f"{label} {detail}".strip(),
    )
    file_name = f"{name}-{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "xlsx":
        return xlsx_response([Sheet(name, rows_of(stream, columns))], filename=file_name)
    return csv_response(rows_of(stream, columns), encoding=encoding, filename=file_name)


def export_cases_queryset(user: User, form: CaseSearchForm, *, personal: bool) -> QuerySet[Case]:
    from callcenter.views import _filtered_cases  # the list page's own filters

    cases = _filtered_cases(user, form)
    if not personal:
        return cases.prefetch_related("posts__citizen")  # whom the titles are scrubbed of
    cases = cases.defer(None).select_related("dial", "category", "department")
    hidden = ["search_tokens", "search_text", "reply_text"]
    if not may_see_health_of_every_row(user):
        hidden.append("health_symptoms")
    return cases.defer(*hidden)


@require_GET
@role_required(User.Role.SUPERVISOR, User.Role.DEPARTMENT_STAFF)
def case_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The case list with its current filters. Department staff get their own cases only."""
    if request.user.is_department_staff and not request.user.department_id:
        raise PermissionDenied
    from callcenter.views import case_search_form  # the list page's own search

    file_format, encoding, personal = ExportForm(request.GET).options()
    query = request.GET.copy()
    for key in ("format", "encoding", "personal"):
        query.pop(key, None)
    list_url = reverse("callcenter:case_list")
    if carries_private_fields(query, CaseSearchForm.PRIVATE_FIELDS):
        # An old link with the words in its address: show that search, export from there.
        messages.info(request, _("検索結果を確認してから、もう一度出力してください。"))
        return redirect(
            private_search_url(
                request, path=list_url, data=query, private_fields=CaseSearchForm.PRIVATE_FIELDS
            )
        )
    form, forgotten = case_search_form(request)
    if forgotten:
        # Without its words the search would export far more cases than the list showed.
        messages.error(
            request, _("検索語が保存されていないため出力できません。もう一度検索してください。")
        )
        return redirect(f"{list_url}?{query.urlencode()}")
    cases = export_cases_queryset(request.user, form, personal=personal)
    return export_response(
        request,
        objects=cases.iterator(chunk_size=CHUNK_SIZE),
        columns=case_columns(request.user, personal=personal),
        name="cases",
        record_type=record_type_of(Case),
        file_format=file_format,
        encoding=encoding,
        detail=query.urlencode(),
    )


@require_GET
@role_required(User.Role.SUPERVISOR)
def call_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The log of calls answered on the spot (no caller data), optionally a date range."""
    file_format, encoding, _personal = ExportForm(request.GET).options()
    calls = SimpleCall.objects.select_related("dial", "faq_entry", "operator").order_by(
        "-created_at", "-pk"
    )
    period = CallPeriodForm(request.GET)
    if period.is_valid():
        calls = period.apply(calls)
    return export_response(
        request,
        objects=calls.iterator(chunk_size=CHUNK_SIZE),
        columns=CALL_COLUMNS,
        name="calls",
        record_type=record_type_of(SimpleCall),
        file_format=file_format,
        encoding=encoding,
        detail="",
    )


class CallPeriodForm(forms.Form):
    received_from = forms.DateField(required=False)
    received_to = forms.DateField(required=False)

    def apply(self, calls: QuerySet[SimpleCall]) -> QuerySet[SimpleCall]:
        from callcenter.forms import start_of_day

        data = self.cleaned_data
        if data.get("received_from"):
            calls = calls.filter(created_at__gte=start_of_day(data["received_from"]))
        if data.get("received_to"):
            end = start_of_day(data["received_to"]) + datetime.timedelta(days=1)
            calls = calls.filter(created_at__lt=end)
        return calls

"""The audit trail in the admin: read-only, searchable, exportable as CSV; and the mixin that
makes the admin pages of models holding personal data write it like the staff screens.

The CSV answers a breach report's question "who saw what, when, from where" for one record
(``?record_type=tickets.case&record_id=123``) or one person (``?username=op_yamada``),
for any period (``?period_from=2026-11-01&period_until=2026-11-30``), and any search.
"""

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, cast

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.audit.services import audit_record, audit_shown, record_type_of
from kobepost.lib.spreadsheets import UTF8, csv_response

if TYPE_CHECKING:
    # Mixed into a ModelAdmin: what it calls through super() and self.model are there.
    _ModelAdminBase = admin.ModelAdmin
else:
    _ModelAdminBase = object


class AuditedAdminMixin(_ModelAdminBase):
    """For a ModelAdmin of a model holding a caller's or citizen's personal data.

    ``audit_fields``: the personal fields its change page shows. ``audit_list_fields``: those
    its list columns and the object's name (``__str__``, on the history and delete pages)
    show; empty when the list shows none.
    """

    audit_fields: tuple[str, ...] = ()
    audit_list_fields: tuple[str, ...] = ()

    def _audit(self, request: HttpRequest, response, ids, fields: tuple[str, ...]) -> None:
        if request.method == "GET" and response.status_code == 200 and fields:
            audit_shown(
                request,
                record_type=record_type_of(self.model),
                record_ids=ids,
                fields=fields,
            )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            ids = [obj.pk for obj in changelist.result_list]
            self._audit(request, response, ids, self.audit_list_fields)
        return response

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._audit(request, response, [object_id], self.audit_fields)
        return response

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._audit(request, response, [object_id], self.audit_list_fields)
        return response

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._audit(request, response, [object_id], self.audit_list_fields)
        return response


class PeriodFilter(admin.ListFilter):
    """From/until dates (inclusive, Kobe time) typed into a small form in the sidebar."""

    title = gettext_lazy("期間")
    template = "admin/audit/auditevent/period_filter.html"
    parameters = ("period_from", "period_until")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return list(self.parameters)

    def _date(self, name: str) -> date | None:
        value = cast(str, self.used_parameters.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        start, end = self._date("period_from"), self._date("period_until")
        if start:
            queryset = queryset.filter(occurred_at__date__gte=start)
        if end:
            queryset = queryset.filter(occurred_at__date__lte=end)
        return queryset

    def choices(self, changelist) -> Iterator[dict]:
        keep = {k: v for k, v in changelist.params.items() if k not in self.parameters}
        yield {
            "period_from": self.used_parameters.get("period_from", ""),
            "period_until": self.used_parameters.get("period_until", ""),
            "hidden": sorted(keep.items()),
            "clear_query_string": changelist.get_query_string(remove=list(self.parameters)),
            "selected": bool(self.used_parameters),
        }


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "action",
        "person",
        "address",
        "record",
        "fields_text",
        "path",
    )
    list_filter = ("action", PeriodFilter, "user__role")
    search_fields = (
        "username",
        "user__display_name",
        "address",
        "record_type",
        "record_id",
        "path",
        "detail",
    )
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "admin/audit/auditevent/change_list.html"
    fields = (
        "occurred_at",
        "action",
        "user",
        "username",
        "address",
        "path",
        "record_type",
        "record_id",
        "fields",
        "detail",
    )
    readonly_fields = fields

    # --- read-only for everyone, visible to system administrators only ------------------
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        return (
            user.is_active
            and getattr(user, "role", None) == User.Role.ADMIN
            and super().has_view_permission(request, obj)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    # --- columns -------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("職員"), ordering="username")
    def person(self, event: AuditEvent) -> str:
        label = event.user.label if event.user else ""
        shown = f"{event.username}（{label}）" if label and label != event.username else None
        return format_html(
            '<a href="?{}">{}</a>',
            urlencode({"username": event.username}),
            shown or event.username or "-",
        )

    @admin.display(description=gettext_lazy("記録"), ordering="record_type")
    def record(self, event: AuditEvent) -> str:
        if not event.record_type:
            return "-"
        return format_html(
            '<a href="?{}">{} #{}</a>',
            urlencode({"record_type": event.record_type, "record_id": event.record_id}),
            event.record_type,
            event.record_id,
        )

    # --- CSV export ----------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditevent_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponse(_("検索条件が正しくありません。"), status=400)
        events = changelist.get_queryset(request).select_related("user", "user__department")
        query = request.GET.urlencode()
        audit_record(
            request=request,
            action=AuditAction.AUDIT_EXPORT,
            detail=f"query={query}" if query else "query=(all)",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return csv_response(self._csv_rows(events), encoding=UTF8, filename=f"audit-{stamp}.csv")

    def _csv_rows(self, events: QuerySet) -> Iterator[list[str]]:
        yield [
            _("日時"),
            _("操作"),
            _("ID"),
            _("氏名"),
            _("役割"),
            _("所属課"),
            _("接続元アドレス"),
            _("記録の種類"),
            _("記録ID"),
            _("項目"),
            _("URL"),
            _("詳細"),
        ]
        for event in events.iterator(chunk_size=2000):
            user = event.user
            yield [
                timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                event.get_action_display(),
                event.username,
                user.label if user else "",
                user.get_role_display() if user else "",
                user.department.name if user and user.department else "",
                event.address,
                event.record_type,
                event.record_id,
                event.fields_text,
                event.path,
                event.detail,
            ]

"""Admin: the phone systems (token issued here, shown once) and the seats.

The call journal itself is read at /cti/calls/, where numbers are masked and audited;
the admin lists calls without their numbers, for looking into what a PBX sent.
"""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from kobepost.cti.models import Call, CallEvent, Pbx, Seat


@admin.register(Pbx)
class PbxAdmin(admin.ModelAdmin):
    list_display = ("name", "token_hint", "active", "created_at")
    list_filter = ("active",)
    fields = ("name", "active", "token_hint", "created_at")
    readonly_fields = ("token_hint", "created_at")
    actions = ["reissue_token"]

    def save_model(self, request: HttpRequest, obj: Pbx, form, change: bool) -> None:
        token = None if change else obj.issue_token()
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                _(
                    "トークン: %(token)s "
                    "（この画面でしか表示されません。PBX の設定に入力してください）"
                )
                % {"token": token},
            )

    @admin.action(description=_("トークンを再発行する"))
    def reissue_token(self, request: HttpRequest, queryset) -> None:
        for pbx in queryset:
            token = pbx.issue_token()
            pbx.save(update_fields=["token_digest", "token_hint"])
            messages.warning(request, f"{pbx.name}: {token}")


def is_id(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


class SeatAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Django's autocomplete widget looks the chosen user up as it was sent, even when
        # showing the form again with its errors: anything but an id would end in a server
        # error. Such a value counts as no choice, and the form asks for one.
        if self.is_bound and not is_id(self.data.get("user", "")):
            data = cast(QueryDict, self.data).copy()
            data.pop("user", None)
            self.data = data


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    form = SeatAdminForm
    list_display = ("extension", "user", "since")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        # The same lookup for an initial ?user= (see SeatAdminForm).
        if "user" in initial and not is_id(initial["user"]):
            del initial["user"]
        return initial


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = ("kind", "at", "extension", "agent", "key", "received_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("started_at", "pbx", "dial", "caller_id", "extension", "operator", "outcome")
    list_filter = ("outcome", "caller_id", "direction", "pbx")
    list_select_related = ("pbx", "dial", "operator")
    date_hierarchy = "started_at"
    # No number here: the journal page masks and audits it.
    fields = (
        "pbx",
        "call_id",
        "direction",
        "dial",
        "caller_id",
        "extension",
        "agent",
        "operator",
        "outcome",
        "transfers",
        "started_at",
        "answered_at",
        "ended_at",
        "case",
        "case_existing",
        "simple_call",
        "callback_done_at",
        "callback_resolution",
        "number_purged_at",
    )
    readonly_fields = fields
    inlines = [CallEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

"""Admin for KOBE ぽすと: API clients (api_key issued here), post categories.

Citizen accounts are deliberately not browsable in the admin: their personal data is
seen only by the citizen (and, later, through the case workflow).
"""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kobepost.citizen_models import ApiClient, PostCategory


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_hint", "active", "created_at")
    list_filter = ("active",)
    fields = ("name", "contact", "active", "key_hint", "created_at")
    readonly_fields = ("key_hint", "created_at")
    actions = ["reissue_key"]

    def save_model(self, request: HttpRequest, obj: ApiClient, form, change: bool) -> None:
        key = None if change else obj.issue_key()
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(
                request,
                _("api_key: %(key)s （この画面でしか表示されません。控えて開発者に渡してください）")
                % {"key": key},
            )

    @admin.action(description=_("api_key を再発行する"))
    def reissue_key(self, request: HttpRequest, queryset) -> None:
        for client in queryset:
            key = client.issue_key()
            client.save(update_fields=["key_digest", "key_hint"])
            messages.warning(request, f"{client.name}: api_key {key}")


@admin.register(PostCategory)
class PostCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "ticket_category", "retention_class", "sort_order", "active")
    list_editable = ("sort_order", "active")
    list_filter = ("retention_class", "active")
    list_select_related = ("ticket_category", "retention_class")

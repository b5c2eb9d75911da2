"""Admin for KOBE ぽすと: API clients (api_key issued here), post categories.

Citizen accounts are deliberately not browsable in the admin: their personal data is
seen only by the citizen (and, later, through the case workflow).
"""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.public.models import ApiClient, PostCategory, ServiceAttribute


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


class ServiceAttributeInline(admin.TabularInline):
    """The details a category asks for (Open311 service definition attributes)."""

    model = ServiceAttribute
    extra = 0
    fields = (
        "sort_order",
        "code",
        "description",
        "datatype",
        "required",
        "datatype_description",
        "values",
    )


@admin.register(PostCategory)
class PostCategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "ticket_category",
        "routed_department",
        "group",
        "retention_class",
        "sort_order",
        "active",
    )
    list_editable = ("sort_order", "active")
    list_filter = ("retention_class", "active")
    list_select_related = ("ticket_category__department", "retention_class")
    inlines = [ServiceAttributeInline]

    @admin.display(
        description=gettext_lazy("送付先の所管課"), ordering="ticket_category__department"
    )
    def routed_department(self, category: PostCategory) -> str:
        """Where a forwarded post goes: the case category's department (振り分け表)."""
        routed = category.ticket_category
        return routed.department.name if routed else "—"

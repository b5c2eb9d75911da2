from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kobepost.audit import audit_record
from kobepost.audit_models import AuditAction
from tickets.models import Case, CaseEvent, Category, Dial


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ("code", "name", "department", "direct_answer_default", "sort_order", "active")


@admin.register(Dial)
class DialAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone", "sort_order")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "dial", "department", "direct_answer_default", "active")
    list_filter = ("dial", "department", "direct_answer_default", "active")
    list_select_related = ("dial", "department")
    search_fields = ("name", "code")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "kind", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-mostly view for administrators; cases are changed through the staff screens."""

    list_display = ("reference", "title", "status", "dial", "department", "received_at")
    list_filter = ("status", "dial", "department", "urgent")
    list_select_related = ("dial", "department")
    search_fields = ("reference", "title")
    date_hierarchy = "received_at"
    # 要配慮個人情報 stays out of the admin as well: never in the form, the list or the
    # search; the change page only says whether something was entered.
    exclude = ("health_symptoms",)
    readonly_fields = (
        "reference",
        "fiscal_year",
        "created_by",
        "caller_phone_digits",
        "health_symptoms_masked",
    )
    raw_id_fields = ("category", "department")
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("health_symptoms")

    @admin.display(description=_("健康被害の症状"))
    def health_symptoms_masked(self, obj: Case) -> str:
        if obj is None or not obj.health_symptoms:
            return "—"
        return str(_("（入力あり。要配慮個人情報のため管理画面には表示しません。）"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and object_id:
            audit_record(
                request=request,
                action=AuditAction.RECORD_VIEW,
                record_type=Case._meta.label_lower,
                record_id=object_id,
                fields=("caller_name", "caller_kana", "caller_phone", "address", "details"),
            )
        return response

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kobepost.audit.admin import AuditedAdminMixin
from kobepost.privacy.retention import unclassified
from tickets.models import Case, CaseEvent, Category, Dial


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = (
        "code",
        "name",
        "department",
        "direct_answer_default",
        "retention_class",
        "sort_order",
        "active",
    )


@admin.register(Dial)
class DialAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone", "retention_class", "sort_order")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "dial",
        "department",
        "reply_days",
        "direct_answer_default",
        "retention_class",
        "active",
    )
    list_filter = ("dial", "department", "direct_answer_default", "retention_class", "active")
    list_select_related = ("dial", "department")
    search_fields = ("name", "code")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "kind", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    can_delete = False


class RetentionFilter(admin.SimpleListFilter):
    """Cases whose category and dial both lack a retention class are never disposed of: the
    administrator finds them here and gives their category or dial a class."""

    title = _("保存年限")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [
            ("none", _("未設定（廃棄されない）")),
            ("set", _("設定あり")),
        ]

    def queryset(self, request, queryset):
        unset = unclassified(Case)
        if self.value() == "none":
            return queryset.filter(unset)
        if self.value() == "set":
            return queryset.exclude(unset)
        return queryset


@admin.register(Case)
class CaseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-mostly view for administrators; cases are changed through the staff screens."""

    audit_fields = Case.PERSONAL_FIELDS
    list_display = ("reference", "title", "status", "dial", "department", "received_at")
    list_filter = ("status", "dial", "department", "urgent", RetentionFilter)
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

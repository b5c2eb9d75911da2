from django.contrib import admin

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
    list_display = ("name", "dial", "department", "reply_days", "direct_answer_default", "active")
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
    # 要配慮個人情報 stays out of the admin as well.
    exclude = ("health_symptoms",)
    readonly_fields = ("reference", "fiscal_year", "created_by", "caller_phone_digits")
    raw_id_fields = ("category", "department")
    inlines = [CaseEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

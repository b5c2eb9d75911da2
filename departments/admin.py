from django.contrib import admin

from departments.models import (
    CannedReply,
    CaseAttachment,
    Contractor,
    Department,
    OverdueReminder,
    RelatedAgency,
)
from kobepost.audit.admin import AuditedAdminMixin


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "phone", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "active")
    list_filter = ("active", "departments")
    search_fields = ("name", "email")
    filter_horizontal = ("departments", "categories")


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "department", "sort_order", "active")
    list_filter = ("active", "category__dial", "department")
    search_fields = ("title", "text")
    list_select_related = ("category", "department")


@admin.register(RelatedAgency)
class RelatedAgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Files are reached through the permission-checked view, never edited here.
    audit_fields = ("original_name", "description", "file")
    audit_list_fields = ("original_name",)
    list_display = ("original_name", "case", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = [field.name for field in CaseAttachment._meta.fields]
    list_select_related = ("case", "uploaded_by")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OverdueReminder)
class OverdueReminderAdmin(admin.ModelAdmin):
    list_display = ("department", "day", "case_count", "created_at")
    list_filter = ("department",)

from django.contrib import admin

from faq.models import FaqEntry, FaqProposal, FaqRevision, SimpleCall, UnansweredSearch
from kobepost.audit.admin import AuditedAdminMixin


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "dial", "category", "department", "status", "last_reviewed_on"]
    list_filter = ["status", "dial", "department"]
    search_fields = ["question", "search_text"]
    list_select_related = ["dial", "category", "department"]


@admin.register(FaqRevision)
class FaqRevisionAdmin(admin.ModelAdmin):
    list_display = ["entry", "changed_at", "changed_by", "note"]
    list_select_related = ["entry", "changed_by"]
    readonly_fields = ["entry", "changed_by", "changed_at", "note", "snapshot"]

    def has_add_permission(self, request) -> bool:
        # History is written by saving an entry; a revision added by hand would have no
        # entry (every field is read-only), and saving it failed with a 500.
        return False


@admin.register(FaqProposal)
class FaqProposalAdmin(admin.ModelAdmin):
    list_display = ["entry", "proposed_by", "proposed_at", "status"]
    list_filter = ["status"]
    list_select_related = ["entry", "proposed_by"]


@admin.register(SimpleCall)
class SimpleCallAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # The note may name the caller; the list shows only the topic.
    audit_fields = ("topic", "note")
    list_display = ["created_at", "dial", "faq_entry", "topic", "operator"]
    list_filter = ["dial"]
    list_select_related = ["dial", "faq_entry", "operator"]
    date_hierarchy = "created_at"


@admin.register(UnansweredSearch)
class UnansweredSearchAdmin(admin.ModelAdmin):
    list_display = ["searched_at", "query", "dial"]
    list_filter = ["dial"]

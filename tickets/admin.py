from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from kobepost.audit.admin import AuditedAdminMixin
from kobepost.privacy.models import DisposalBatch, DisposalItem, LegalHold, RetentionClass
from kobepost.privacy.retention import disposal_batch_approve, unclassified, unclassified_counts
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


@admin.register(RetentionClass)
class RetentionClassAdmin(admin.ModelAdmin):
    list_display = ("name", "years")


class DisposalItemInline(admin.TabularInline):
    model = DisposalItem
    extra = 0
    fields = ("kind", "label", "retention_class", "expired_on", "outcome")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DisposalBatch)
class DisposalBatchAdmin(admin.ModelAdmin):
    """Listed by the daily job; an administrator reviews the list and approves it here."""

    list_display = (
        "created_at",
        "status",
        "item_count",
        "case_count",
        "post_count",
        "citizen_count",
        "call_note_count",
        "call_number_count",
        "file_count",
        "skipped_count",
        "approved_by",
        "approved_at",
    )
    list_filter = ("status",)
    readonly_fields = (
        "status",
        "created_at",
        "approved_by",
        "approved_at",
        "case_count",
        "post_count",
        "citizen_count",
        "call_note_count",
        "call_number_count",
        "file_count",
        "skipped_count",
    )
    inlines = [DisposalItemInline]
    actions = ["approve_disposal"]

    @admin.display(description=_("対象数"))
    def item_count(self, obj: DisposalBatch) -> int:
        return obj.items.count()

    def changelist_view(self, request, extra_context=None):
        # Records without a class are never listed (retention.UNCLASSIFIED): the one place
        # an administrator reviews disposal is where they learn of them.
        if request.method == "GET":
            for store, count in unclassified_counts().items():
                self.message_user(
                    request,
                    _(
                        "%(store)s %(count)s 件は保存年限の区分が未設定のため、廃棄されずに"
                        "保存されています。ダイヤルまたは分類に保存年限を設定してください。"
                    )
                    % {"store": store, "count": count},
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("選択した廃棄リストを承認し、個人情報を廃棄する"))
    def approve_disposal(self, request, queryset) -> None:
        if not request.user.is_system_admin:
            raise PermissionDenied
        for batch in queryset.filter(status=DisposalBatch.Status.PENDING):
            batch = disposal_batch_approve(batch=batch, user=request.user)
            self.message_user(
                request,
                _(
                    "廃棄しました：案件 %(cases)s 件、投稿 %(posts)s 件、市民アカウント "
                    "%(citizens)s 件、簡易対応のメモ %(notes)s 件、通話記録の電話番号 "
                    "%(numbers)s 件、ファイル %(files)s 件（保留等で除外 %(skipped)s 件）。"
                )
                % {
                    "cases": batch.case_count,
                    "posts": batch.post_count,
                    "citizens": batch.citizen_count,
                    "notes": batch.call_note_count,
                    "numbers": batch.call_number_count,
                    "files": batch.file_count,
                    "skipped": batch.skipped_count,
                },
                messages.SUCCESS,
            )


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ("reason", "case", "post", "citizen", "created_by", "created_at", "released_at")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    raw_id_fields = ("case", "post", "citizen")
    fields = ("case", "post", "citizen", "reason", "released_at")
    list_select_related = ("case", "created_by")

    def save_model(self, request, obj: LegalHold, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # released, never deleted: the hold itself is a record

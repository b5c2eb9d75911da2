"""Admin of retention: classes, disposal batches (approved here), legal holds."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from kobepost.privacy.models import DisposalBatch, DisposalItem, LegalHold, RetentionClass
from kobepost.privacy.retention import disposal_batch_approve, unclassified_counts


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

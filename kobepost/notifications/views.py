from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.notifications.forms import FailedFilterForm
from kobepost.notifications.models import Notification
from kobepost.notifications.services import (
    Resend,
    failed_notifications,
    notice_last_seen_id,
    notice_mark_read,
    notices_for,
    notification_problem_text,
    notification_resend,
    notification_resend_failed,
)

NOTICE_PAGE_SIZE = 50
FAILED_PAGE_SIZE = 50
NOTICE_ROLES = (User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.DEPARTMENT_STAFF)
FAILED_ROLES = (User.Role.SUPERVISOR, User.Role.ADMIN)


@require_GET
@role_required(*NOTICE_ROLES)
def notice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    notices = list(notices_for(request.user).order_by("-pk")[:NOTICE_PAGE_SIZE])
    last_seen_id = notice_last_seen_id(request.user)
    return render(
        request,
        "notifications/notice_list.html",
        {
            "notices": notices,
            "last_seen_id": last_seen_id,
            "newest_id": notices[0].pk if notices else 0,
            "has_unread": any(notice.pk > last_seen_id for notice in notices),
        },
    )


@require_POST
@role_required(*NOTICE_ROLES)
def notice_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        up_to_id = int(request.POST.get("up_to", ""))
    except ValueError:
        up_to_id = 0
    notice_mark_read(user=request.user, up_to_id=up_to_id)
    messages.success(request, _("お知らせを既読にしました。"))
    return redirect("notifications:notices")


def _failed_notification_for(request: AuthenticatedHttpRequest, pk: int) -> Notification:
    """A notification row a supervisor or admin may act on (they see every row)."""
    if request.user.role not in FAILED_ROLES:
        raise PermissionDenied
    return get_object_or_404(Notification, pk=pk)


def _case_link(user: User, case_id: int | None) -> str:
    # Supervisors open the call center's case page; admins see no case pages, only the admin.
    if case_id is None:
        return ""
    if user.is_system_admin:
        return reverse("admin:tickets_case_change", args=[case_id])
    return reverse("callcenter:case_detail", args=[case_id])


@require_GET
@role_required(*FAILED_ROLES)
def failed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FailedFilterForm(request.GET or None)
    failed = (
        failed_notifications(**form.filters())
        .select_related("case", "resent_by")
        .only(
            "pk",
            "kind",
            "recipient",
            "previous_recipients",
            "subject",
            "status",
            "attempts",
            "problem",
            "last_error",
            "created_at",
            "resent_at",
            "case__reference",
            "resent_by__display_name",
            "resent_by__username",
            "resent_by__first_name",
            "resent_by__last_name",
        )
    )
    page = Paginator(failed.order_by("-created_at", "-pk"), FAILED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for notification in page.object_list:
        notification.problem_text = notification_problem_text(notification)  # type: ignore[attr-defined]  # shown by the template
        notification.case_link = _case_link(request.user, notification.case_id)  # type: ignore[attr-defined]  # shown by the template
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/failed_list.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "give_up_hours": f"{settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS / 3600:g}",
        },
    )


def _resend_message(request: AuthenticatedHttpRequest, done: Resend) -> None:
    row = done.notification
    if done.no_address:
        messages.error(
            request,
            _(
                "%(name)sの通知先メールアドレスが登録されていないため、再送信できません。"
                "登録してから再送信してください。"
            )
            % {"name": done.audience_name or row.get_audience_display()},
        )
    elif done.superseded:
        messages.info(
            request,
            _("現在の宛先にはすべて送信済みのため、この通知メールは再送信不要にしました。"),
        )
    elif done.redirected_from:
        messages.success(
            request,
            _("宛先を %(old)s から %(new)s に変えて再送信します。")
            % {"old": done.redirected_from, "new": "、".join(done.addresses)},
        )
    else:
        messages.success(
            request,
            _("%(recipient)s 宛ての通知メールを再送信します。")
            % {"recipient": "、".join(done.addresses)},
        )


@require_POST
@role_required(*FAILED_ROLES)
def failed_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = _failed_notification_for(request, pk)
    done = notification_resend(notification=notification, user=request.user)
    if done is None:
        messages.info(request, _("この通知メールはすでに再送信されています。"))
    else:
        _resend_message(request, done)
    return redirect("notifications:failed")


@require_POST
@role_required(*FAILED_ROLES)
def failed_resend_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FailedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("条件が正しくないため、再送信していません。"))
        return redirect("notifications:failed")
    done = notification_resend_failed(
        rows=failed_notifications(**form.filters()), user=request.user
    )
    if done.resent:
        messages.success(
            request,
            _("%(count)d 件の通知メールを再送信します（うち宛先を変えたもの %(redirected)d 件）。")
            % {"count": done.resent, "redirected": done.redirected},
        )
    if done.superseded:
        messages.info(
            request,
            _("%(count)d 件は現在の宛先にすべて送信済みのため、再送信不要にしました。")
            % {"count": done.superseded},
        )
    if done.no_address:
        messages.error(
            request,
            _("%(count)d 件は宛先にメールアドレスが登録されていないため、再送信できませんでした。")
            % {"count": done.no_address},
        )
    if done.remaining:
        messages.warning(
            request,
            _("まだ %(count)d 件あります。もう一度「まとめて再送信」を押してください。")
            % {"count": done.remaining},
        )
    if not (done.resent or done.superseded or done.no_address):
        messages.info(request, _("再送信する通知メールはありませんでした。"))
    return redirect("notifications:failed")

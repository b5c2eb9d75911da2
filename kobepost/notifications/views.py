from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kobepost.decorators import role_required
from kobepost.models import Notification, User
from kobepost.notifications.services import (
    notice_last_seen_id,
    notice_mark_read,
    notices_for,
    notification_resend,
)

NOTICE_PAGE_SIZE = 50
FAILED_PAGE_SIZE = 50
NOTICE_ROLES = (User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.DEPARTMENT_STAFF)
FAILED_ROLES = (User.Role.SUPERVISOR, User.Role.ADMIN)


@require_GET
@role_required(*NOTICE_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(notices_for(request.user).order_by("-pk")[:NOTICE_PAGE_SIZE])
    last_seen_id = notice_last_seen_id(request.user)
    return render(
        request,
        "kobepost/notifications/notice_list.html",
        {
            "notices": notices,
            "last_seen_id": last_seen_id,
            "newest_id": notices[0].pk if notices else 0,
            "has_unread": any(notice.pk > last_seen_id for notice in notices),
        },
    )


@require_POST
@role_required(*NOTICE_ROLES)
def notice_read(request: HttpRequest) -> HttpResponse:
    try:
        up_to_id = int(request.POST.get("up_to", ""))
    except ValueError:
        up_to_id = 0
    notice_mark_read(user=request.user, up_to_id=up_to_id)
    messages.success(request, _("お知らせを既読にしました。"))
    return redirect("notifications:notices")


def _failed_notification_for(request: HttpRequest, pk: int) -> Notification:
    """A notification row a supervisor or admin may act on (they see every row)."""
    if request.user.role not in FAILED_ROLES:
        raise PermissionDenied
    return get_object_or_404(Notification, pk=pk)


@require_GET
@role_required(*FAILED_ROLES)
def failed_list(request: HttpRequest) -> HttpResponse:
    failed = Notification.objects.filter(status=Notification.Status.FAILED).only(
        "pk", "kind", "recipient", "subject", "attempts", "last_error", "created_at"
    )
    page = Paginator(failed.order_by("-created_at", "-pk"), FAILED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "kobepost/notifications/failed_list.html", {"page": page})


@require_POST
@role_required(*FAILED_ROLES)
def failed_resend(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _failed_notification_for(request, pk)
    if notification_resend(notification=notification):
        messages.success(
            request,
            _("%(recipient)s 宛ての通知メールを再送信します。")
            % {"recipient": notification.recipient},
        )
    else:
        messages.info(request, _("この通知メールはすでに再送信されています。"))
    return redirect("notifications:failed")

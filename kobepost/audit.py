"""Writing the audit trail (監査ログ).

Every feature that shows, prints or exports a record holding personal data calls
``audit_record`` once per record, for example in a case detail view::

    from kobepost.audit import audit_record
    from kobepost.audit_models import AuditAction

    audit_record(
        request=request,
        action=AuditAction.RECORD_VIEW,       # or RECORD_PRINT, RECORD_EXPORT
        record_type="tickets.case",           # app_label.model_name (record_type_of(obj))
        record_id=case.pk,
        fields=("caller_name", "caller_phone", "address"),
    )

The user and the address come from the request (the address as kobepost.network.client_ip
sees it, so a forged X-Forwarded-For is never recorded as the truth).
"""

from collections.abc import Iterable

from django.db import models
from django.http import HttpRequest

from kobepost.audit_models import AuditAction, AuditEvent
from kobepost.network import client_ip

PATH_LIMIT = AuditEvent._meta.get_field("path").max_length
USERNAME_LIMIT = AuditEvent._meta.get_field("username").max_length


def record_type_of(instance: models.Model) -> str:
    """``"app_label.model_name"`` of a record, the value to pass as ``record_type``."""
    return instance._meta.label_lower


def audit_record(
    *,
    request: HttpRequest | None = None,
    user=None,
    action: AuditAction | str,
    record_type: str = "",
    record_id: str | int = "",
    fields: Iterable[str] = (),
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one row to the audit trail and return it.

    ``user`` defaults to the request's signed-in user; ``username`` is only needed when
    there is no user row (a failed login with an unknown ID).
    """
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent.objects.create(
        action=AuditAction(action),
        user=user,
        username=username[:USERNAME_LIMIT],
        address=client_ip(request) if request is not None else "",
        path=request.path[:PATH_LIMIT] if request is not None else "",
        record_type=record_type,
        record_id=str(record_id),
        fields=[str(name) for name in fields],
        detail=detail,
    )

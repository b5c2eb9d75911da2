"""Who may see which case, and the audit row that they saw it: the one place every view asks."""

from django.http import Http404, HttpRequest

from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_one_shown
from tickets.models import Case, CaseQuerySet


def cases_visible_to(user: User, queryset: CaseQuerySet | None = None) -> CaseQuerySet:
    """Operators and supervisors see every case; department staff those of their department."""
    cases = Case.objects.all() if queryset is None else queryset
    if user.is_callcenter:
        return cases
    if user.is_department_staff and user.department_id:
        return cases.filter(department_id=user.department_id)
    return cases.none()


def get_case_for_user(user: User, pk: int, queryset: CaseQuerySet | None = None) -> Case:
    """The case if this user may see it; 404 otherwise (no hint that it exists)."""
    try:
        return cases_visible_to(user, queryset).get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


def audit_case_shown(
    request: HttpRequest,
    case: Case,
    *,
    show_health: bool,
    action: AuditAction | str = AuditAction.RECORD_VIEW,
) -> None:
    """A page of this case (call center's, department's, printed) showed its caller."""
    audit_one_shown(
        request, case, fields=case.personal_fields_shown(show_health=show_health), action=action
    )

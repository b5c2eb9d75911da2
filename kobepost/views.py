"""The site's error pages (handler400/403/404/500 in kobepost/urls.py, CSRF_FAILURE_VIEW).

Under /public/open311/ the errors answer in the API's own format instead of a page.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record
from kobepost.lib.logs import current_request_id
from kobepost.lib.request_input import bad_input_response
from kobepost.public import open311


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    audit_record(request=request, action=AuditAction.PERMISSION_DENIED)
    return render(request, "403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Input that cannot be processed (a NUL, a body beyond the upload limits, a malformed
    upload): a Japanese page, or the API's own error format under Open311."""
    return bad_input_response(request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if fmt := open311.api_format(request.path):
        return open311.error_response(fmt, 404, "not found")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 that names the request id, the one in every log line of this request (and in
    nginx's and gunicorn's), so that the person can quote it to the help desk and the
    administrator finds the traceback at once. Rendered without the request's context
    processors: whatever broke the view (the database, the session) must not break this
    page too."""
    request_id = current_request_id() or getattr(request, "request_id", "")
    if fmt := open311.api_format(request.path):
        return open311.error_response(fmt, 500, f"server error (request id {request_id})")
    body = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)

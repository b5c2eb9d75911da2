"""The data-request pages under /privacy/ (system administrators only)."""

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_one_shown, audit_shown
from kobepost.lib.spreadsheets import Sheet, csv_response, requested_encoding, xlsx_response
from kobepost.privacy.forms import CorrectionForm, DataRequestForm
from kobepost.privacy.models import DataRequest
from kobepost.privacy.services import (
    ADMIN,
    CORRECTABLE,
    Finding,
    data_request_close,
    data_request_correct,
    data_request_open,
    records_about,
)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data_request = data_request_open(user=request.user, **form.cleaned_data)
        messages.success(request, _("請求を登録し、該当する記録の廃棄を保留しました。"))
        return redirect("privacy:detail", pk=data_request.pk)
    requests_ = DataRequest.objects.select_related("created_by")[:200]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/list.html",
        {"form": form, "requests": requests_},
        status=status,
    )


def _request_for(pk: int) -> DataRequest:
    return get_object_or_404(DataRequest, pk=pk)


def _audited_findings(
    request: AuthenticatedHttpRequest, data_request: DataRequest, action: str
) -> list[Finding]:
    """The records about the requester; each one shown or exported goes to the audit trail."""
    findings = records_about(data_request)
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for finding in findings:
        groups.setdefault((finding.record_type, finding.fields), []).append(finding.pk)
    for (record_type, fields), ids in groups.items():
        audit_shown(
            request,
            record_type=record_type,
            record_ids=ids,
            fields=fields,
            action=action,
            detail=f"data_request={data_request.pk}",
        )
    return findings


# What the request's page shows of the requester (corrections keep old and new values).
REQUEST_PERSONAL_FIELDS = (
    "requester_name",
    "requester_kana",
    "requester_phone",
    "requester_email",
    "corrections",
)


@require_GET
@role_required(ADMIN)
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    findings = _audited_findings(request, data_request, AuditAction.RECORD_VIEW)
    audit_one_shown(request, data_request, fields=REQUEST_PERSONAL_FIELDS)
    return render(
        request,
        "privacy/detail.html",
        {
            "data_request": data_request,
            "findings": findings,
            "correctable": [f for f in findings if f.record_type in CORRECTABLE],
            "correction_form": CorrectionForm(),
            "corrections": data_request.corrections.select_related("corrected_by"),
            "holds": data_request.holds.filter(released_at__isnull=True).count(),
        },
    )


DISCLOSURE_HEADER = [
    gettext_lazy("種類"),
    gettext_lazy("番号"),
    gettext_lazy("日時"),
    gettext_lazy("氏名"),
    gettext_lazy("カナ"),
    gettext_lazy("電話番号"),
    gettext_lazy("メールアドレス"),
    gettext_lazy("住所"),
    gettext_lazy("内容"),
    gettext_lazy("備考"),
]


@require_GET
@role_required(ADMIN)
def request_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    data_request = _request_for(pk)
    findings = _audited_findings(request, data_request, AuditAction.RECORD_EXPORT)
    rows = [[str(label) for label in DISCLOSURE_HEADER]] + [
        [f.kind, f.label, f.when, f.name, f.kana, f.phone, f.email, f.address, f.text, f.note]
        for f in findings
    ]
    name = f"disclosure-{data_request.pk}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response([Sheet("disclosure", rows)], filename=f"{name}.xlsx")
    return csv_response(rows, encoding=requested_encoding(request.GET), filename=f"{name}.csv")


@require_POST
@role_required(ADMIN)
def request_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    form = CorrectionForm(request.POST)
    if not data_request.is_open:
        messages.error(request, _("完了した請求では訂正できません。"))
    elif form.is_valid():
        record_type, record_id = form.cleaned_data["record"]
        try:
            data_request_correct(
                data_request=data_request,
                user=request.user,
                record_type=record_type,
                record_id=record_id,
                field=form.cleaned_data["field"],
                new_value=form.cleaned_data["new_value"],
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("訂正を記録しました。"))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("privacy:detail", pk=data_request.pk)


@require_POST
@role_required(ADMIN)
def request_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    data_request = _request_for(pk)
    if data_request.is_open:
        data_request_close(data_request=data_request)
        messages.success(request, _("請求を完了にし、廃棄の保留を解除しました。"))
    return redirect("privacy:detail", pk=data_request.pk)

"""Exports: ask for one, watch it being built, download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from lms.errors import NotAvailable, ServiceError
from lms.http import error_status

from .models import ReportExport
from .selectors.scope import access_reports
from .services.exports import report_export_for_download, report_export_request

FILTER_KEYS = (
    "unit",
    "program",
    "course",
    "ethnic_group",
    "sex",
    "age_band",
    "category",
    "start",
    "end",
    "step",
    "measure",
)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "adx": "application/adx+xml",
    "dhis2": "application/json",
}


def _reader(request):
    if access_reports(request.user) is None:
        raise Http404
    return request.user


def _own_export(request, export_id) -> ReportExport:
    export = ReportExport.objects.filter(pk=export_id, requested_by=request.user).first()
    if export is None:
        raise Http404
    return export


@login_required
@require_POST
def export_request(request):
    user = _reader(request)
    kind = request.POST.get("kind", "")
    if kind in ("adx", "dhis2"):
        params = {
            "target": request.POST.get("target", ""),
            "period": request.POST.get("period", ""),
        }
        back = "reports-indicators"
    else:
        params = {
            "filters": {k: request.POST.get(k, "") for k in FILTER_KEYS},
            "table": request.POST.get("table", "units"),
        }
        back = "reports-dashboard"
    try:
        export = report_export_request(user=user, kind=kind, params=params)
    except NotAvailable:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
        response = redirect(back)
        response.status_code = 303
        return response
    return redirect("reports-export", export_id=export.pk)


@login_required
def export_detail(request, export_id):
    _reader(request)
    export = _own_export(request, export_id)
    template = (
        "reports/includes/export_status.html"
        if request.headers.get("HX-Request")
        else "reports/export.html"
    )
    return TemplateResponse(request, template, {"export": export})


@login_required
def export_list(request):
    _reader(request)
    exports = ReportExport.objects.filter(requested_by=request.user)[:30]
    return TemplateResponse(request, "reports/exports.html", {"exports": exports})


@login_required
def export_download(request, export_id):
    _reader(request)
    try:
        export, path = report_export_for_download(user=request.user, export_id=export_id)
    except ServiceError as error:
        if error_status(error) == 404:
            raise Http404 from None
        raise
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export.file_name,
        content_type=CONTENT_TYPES[export.kind],
    )

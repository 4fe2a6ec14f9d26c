"""The manager dashboard: thin over the dashboard selector."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .forms import COUNT_MEASURES, ReportFilterForm
from .models import ExchangeTarget, RollupsVersion
from .selectors.dashboard import dashboard, unit_name
from .selectors.indicators import indicator_overview, indicator_result, indicators_visible_to
from .selectors.scope import access_reports, scope_label

# A cached dashboard is dropped as soon as the rollups change; this bounds it otherwise.
DASHBOARD_CACHE_SECONDS = 300


def _chart_data(figures: dict) -> dict:
    def series(lines, measures):
        return {
            "labels": [line.label for line in lines],
            "series": {m: [line.figures.get(m) for line in lines] for m in measures},
        }

    breakdown = figures["breakdown"]
    return {
        "by_unit": series(figures["by_unit"][:30], ("enrolled", "completed")),
        "by_period": series(figures["by_period"], ("enrolled", "active", "completed")),
        "breakdown": {
            "labels": [label for label, _values, _total in breakdown.rows],
            "columns": breakdown.columns,
            "values": [values for _label, values, _total in breakdown.rows],
        },
        "measure_labels": dict((k, str(v)) for k, v in COUNT_MEASURES),
    }


def _dashboard_body(request, scope) -> dict:
    """The dashboard's filters and figures as HTML (what may be cached), its status, and
    whether it lists cohorts."""
    form = ReportFilterForm(request.GET, scope=scope)
    context = {"form": form, "scope_label": scope_label(scope), "scope": scope}
    if not form.is_valid():
        html = render_to_string("reports/includes/dashboard_body.html", context, request)
        return {"html": html, "status": 400, "cohorts": False}
    flt = form.report_filter()
    step = form.cleaned_data.get("step") or "month"
    measure = form.cleaned_data.get("measure") or "completed"
    figures = dashboard(scope, flt, step=step, measure=measure)
    context.update(figures)
    context.update(
        {
            "filter": flt,
            "unit_label": unit_name(flt.unit_id),
            "chart_data": _chart_data(figures),
            "measure_label": dict(COUNT_MEASURES)[measure],
            "as_of": timezone.localtime(),
        }
    )
    html = render_to_string("reports/includes/dashboard_body.html", context, request)
    return {"html": html, "status": 200, "cohorts": bool(figures["cohorts"])}


def _dashboard_cache_key(request, scope) -> str:
    """The same figures for the same scope, filters, language and rollups: whoever asks,
    so twenty managers of a unit opening it at once cost one computation."""
    version = RollupsVersion.objects.values_list("number", flat=True).first() or 0
    units = "province" if scope.unit_ids is None else ",".join(map(str, sorted(scope.unit_ids)))
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
    raw = repr((version, units, scope.sees_individuals, get_language(), params))
    return "reports:dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


@login_required
def dashboard_view(request):
    scope = access_reports(request.user)
    if scope is None:
        raise Http404
    key = _dashboard_cache_key(request, scope)
    body = cache.get(key)
    if body is None:
        body = _dashboard_body(request, scope)
        cache.set(key, body, DASHBOARD_CACHE_SECONDS)
    context = {
        "body": mark_safe(body["html"]),  # rendered by our own template above
        "valid": body["status"] == 200,
        "cohorts": body["cohorts"],
    }
    return TemplateResponse(request, "reports/dashboard.html", context, status=body["status"])


@login_required
def indicators_view(request):
    scope = access_reports(request.user)
    if scope is None:
        raise Http404
    today = timezone.localdate()
    context = {
        "results": indicator_overview(scope),
        "scope_label": scope_label(scope),
        "targets": ExchangeTarget.objects.all(),
        "default_period": f"{today.year}Q{(today.month - 1) // 3 + 1}",
    }
    return TemplateResponse(request, "reports/indicators.html", context)


@login_required
def indicator_view(request, code: str):
    scope = access_reports(request.user)
    indicator = indicators_visible_to(scope).filter(code=code).first()
    if scope is None or indicator is None:
        raise Http404
    context = {"result": indicator_result(scope, indicator), "scope_label": scope_label(scope)}
    return TemplateResponse(request, "reports/indicator.html", context)

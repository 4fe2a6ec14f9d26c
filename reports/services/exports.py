"""Exports: asked for by a reader, built by a worker, downloaded by that reader until
they expire, each step written to the audit log."""

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import NotAvailable, ServiceError

from ..exchange import Period
from ..forms import ReportFilterForm
from ..models import ExchangeTarget, ExportAudit, ReportExport
from ..selectors.scope import ReportScope, access_reports, scope_label
from .export_render import TABLES, render_exchange, render_pdf, render_table_file

logger = logging.getLogger(__name__)

# A reader may have this many exports waiting or being built at once.
MAX_PENDING_PER_USER = 3
EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "pdf": "pdf", "adx": "xml", "dhis2": "json"}


def export_ttl() -> timedelta:
    return timedelta(hours=int(getattr(settings, "REPORTS_EXPORT_TTL_HOURS", 24)))


def export_dir() -> Path:
    return Path(settings.PRIVATE_ROOT) / "report-exports"


def export_path(export: ReportExport) -> Path:
    return export_dir() / f"{export.pk}.{EXTENSIONS[export.kind]}"


def _audit(export: ReportExport | None, user, action: str, description: str = "") -> None:
    ExportAudit.objects.create(
        export=export,
        user=user,
        username=getattr(user, "username", "") or "",
        action=action,
        description=(description or (export.description if export else ""))[:300],
    )


def _filter_form(scope: ReportScope, filters: dict) -> ReportFilterForm:
    data = QueryDict(mutable=True)
    for key, value in filters.items():
        if isinstance(value, str):
            data[key] = value
    return ReportFilterForm(data, scope=scope)


def _describe(kind: str, params: dict, scope: ReportScope) -> str:
    label = ReportExport.Kind(kind).label
    if kind in ("adx", "dhis2"):
        return f"{label} · {params['target_name']} · {params['period']}"
    filters = ", ".join(f"{k}={v}" for k, v in sorted(params["filters"].items()) if v)
    table = f" · {params['table']}" if kind == "csv" else ""
    return f"{label}{table} · {scope_label(scope)} · {filters or _('không lọc')}"


def report_export_request(*, user, kind: str, params: dict) -> ReportExport:
    """Check what is asked against the reader's scope and queue it for a worker."""
    scope = access_reports(user)
    if scope is None:
        raise NotAvailable(_("Không tìm thấy."))
    if kind not in ReportExport.Kind.values:
        raise ServiceError(_("Loại tệp xuất không hợp lệ."), code="kind")
    if kind in ("adx", "dhis2"):
        try:
            period = Period.parse(str(params.get("period", "")))
        except ValueError as error:
            raise ServiceError(str(error), code="period") from error
        raw = str(params.get("target", ""))
        target_row = ExchangeTarget.objects.filter(pk=int(raw)).first() if raw.isdecimal() else None
        if target_row is None:
            raise ServiceError(_("Chọn một hệ thống nhận số liệu."), code="target")
        clean = {"target": target_row.pk, "target_name": target_row.name, "period": period.dhis2()}
    else:
        filters = params.get("filters") or {}
        if not isinstance(filters, dict):
            raise ServiceError(_("Bộ lọc không hợp lệ."), code="filters")
        form = _filter_form(scope, filters)
        if not form.is_valid():
            raise ServiceError(_("Bộ lọc chưa hợp lệ: xem các ô được đánh dấu."), code="filters")
        table = str(params.get("table") or "units")
        if table not in TABLES:
            raise ServiceError(_("Bảng không hợp lệ."), code="table")
        kept = {k: v for k, v in filters.items() if isinstance(v, str) and k in form.fields}
        clean = {"filters": kept, "table": table}
    with transaction.atomic():
        pending = ReportExport.objects.select_for_update().filter(
            requested_by=user, status__in=[ReportExport.Status.QUEUED, ReportExport.Status.RUNNING]
        )
        if len(pending) >= MAX_PENDING_PER_USER:
            raise ServiceError(
                _("Bạn đang có %(n)s tệp đang được tạo; chờ xong rồi xuất tiếp.")
                % {"n": len(pending)},
                code="busy",
            )
        export = ReportExport.objects.create(
            requested_by=user, kind=kind, params=clean, description=_describe(kind, clean, scope)
        )
        _audit(export, user, ExportAudit.Action.REQUESTED)
        transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: uuid.UUID) -> None:
    from ..tasks import report_export_task

    try:
        report_export_task.delay(str(export_id))
    except Exception:
        # The periodic sweep hands queued exports to a worker again.
        logger.exception("Could not queue export %s", export_id)


def _set_progress(export_id: uuid.UUID, percent: int) -> None:
    ReportExport.objects.filter(pk=export_id).update(progress=percent)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    partial.write_bytes(data)
    partial.replace(path)


def report_export_build(*, export_id: uuid.UUID | str, now=None) -> ReportExport | None:
    """Build a queued export (a worker's task; running it twice builds it once)."""
    with transaction.atomic():
        export = (
            ReportExport.objects.select_for_update(skip_locked=True)
            .filter(pk=export_id, status=ReportExport.Status.QUEUED)
            .first()
        )
        if export is None:
            return None
        export.status = ReportExport.Status.RUNNING
        export.progress = 5
        export.save(update_fields=["status", "progress"])
    user = export.requested_by
    try:
        scope = access_reports(user) if user is not None else None
        if scope is None:
            raise NotAvailable(_("Người yêu cầu không còn quyền xem báo cáo."))
        data, notes = _render(export, scope)
        _write_atomically(export_path(export), data)
    except Exception as error:
        logger.exception("Export %s failed", export.pk)
        export.status = ReportExport.Status.FAILED
        export.error = (
            str(error)[:2000]
            if isinstance(error, ServiceError)
            else _("Không tạo được tệp; hãy thử lại hoặc báo quản trị.")
        )
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        _audit(export, user, ExportAudit.Action.FAILED)
        return export
    now = now or timezone.now()
    export.status = ReportExport.Status.DONE
    export.progress = 100
    export.size = len(data)
    export.file_name = _file_name(export, now)
    export.finished_at = now
    export.expires_at = now + export_ttl()
    export.error = "; ".join(notes)[:2000]
    export.save()
    _audit(export, user, ExportAudit.Action.DONE)
    return export


def _file_name(export: ReportExport, now) -> str:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return f"bao-cao-{export.kind}-{stamp}.{EXTENSIONS[export.kind]}"


def _render(export: ReportExport, scope: ReportScope) -> tuple[bytes, list[str]]:
    params = export.params
    if export.kind in ("adx", "dhis2"):
        target = ExchangeTarget.objects.filter(pk=params["target"]).first()
        if target is None:
            raise ServiceError(_("Hệ thống nhận số liệu đã bị xóa."), code="target")
        _set_progress(export.pk, 30)
        return render_exchange(
            export.kind, scope, target, Period.parse(params["period"]), timezone.now()
        )
    form = _filter_form(scope, params["filters"])
    if not form.is_valid():
        raise ServiceError(_("Bộ lọc không còn hợp lệ trong phạm vi của bạn."), code="filters")
    flt = form.report_filter()
    step = form.cleaned_data.get("step") or "month"
    measure = form.cleaned_data.get("measure") or "completed"
    _set_progress(export.pk, 20)
    if export.kind == "pdf":
        return render_pdf(
            scope,
            flt,
            step=step,
            measure=measure,
            scope_label=scope_label(scope),
            progress=lambda p: _set_progress(export.pk, p),
        ), []
    return render_table_file(
        export.kind, scope, flt, step=step, measure=measure, table=params["table"]
    ), []


def report_export_for_download(*, user, export_id, now=None) -> tuple[ReportExport, Path]:
    """The requester's finished, unexpired export and its file; recorded as downloaded."""
    now = now or timezone.now()
    export = ReportExport.objects.filter(pk=export_id, requested_by=user).first()
    if (
        export is None
        or export.status != ReportExport.Status.DONE
        or export.expires_at is None
        or export.expires_at <= now
        or not export_path(export).exists()
    ):
        raise NotAvailable(_("Tệp không tồn tại hoặc đã hết hạn."))
    _audit(export, user, ExportAudit.Action.DOWNLOADED)
    return export, export_path(export)


def report_exports_sweep(*, now=None) -> int:
    """Delete expired files (the rows and the audit log stay) and hand exports whose
    task was lost back to a worker."""
    now = now or timezone.now()
    expired = 0
    for export in ReportExport.objects.filter(status=ReportExport.Status.DONE, expires_at__lte=now):
        export_path(export).unlink(missing_ok=True)
        export.status = ReportExport.Status.EXPIRED
        export.save(update_fields=["status"])
        _audit(export, None, ExportAudit.Action.EXPIRED)
        expired += 1
    # A worker that died while building: the reader is told, and may ask again.
    ReportExport.objects.filter(
        status=ReportExport.Status.RUNNING, created_at__lte=now - timedelta(minutes=30)
    ).update(status=ReportExport.Status.FAILED, error=_("Việc tạo tệp bị gián đoạn; hãy xuất lại."))
    stale = ReportExport.objects.filter(
        status=ReportExport.Status.QUEUED, created_at__lte=now - timedelta(minutes=2)
    )
    for export_id in stale.values_list("pk", flat=True):
        _enqueue(export_id)
    return expired

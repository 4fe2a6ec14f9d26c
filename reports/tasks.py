from celery import shared_task

from .services.exports import report_export_build, report_exports_sweep
from .services.rollups import rollups_drain_all


@shared_task(ignore_result=True)
def rollups_drain_task() -> int:
    """Fold every queued enrolment into the rollups; safe to run twice or at once."""
    return rollups_drain_all()


@shared_task(ignore_result=True)
def report_export_task(export_id: str) -> None:
    report_export_build(export_id=export_id)


@shared_task(ignore_result=True)
def report_exports_sweep_task() -> int:
    return report_exports_sweep()

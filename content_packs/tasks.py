import uuid

from celery import shared_task

from .services.jobs import pack_export_run, pack_exports_discard_old, pack_import_run


@shared_task(acks_late=True)
def pack_export_task(job_id: str) -> None:
    pack_export_run(job_id=uuid.UUID(job_id))


@shared_task(acks_late=True)
def pack_import_task(job_id: str) -> None:
    pack_import_run(job_id=uuid.UUID(job_id))


@shared_task
def pack_exports_discard_old_task() -> int:
    return pack_exports_discard_old()

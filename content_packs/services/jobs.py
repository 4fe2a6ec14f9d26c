"""Exports and imports of course packs started from the admin and run by a worker: the
request only records the job (and, for an import, the uploaded file); the worker does
the work and reports its progress on the job, which the job's page shows live."""

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from lms.errors import NotAvailable, ServiceError
from lms.roles import is_admin, is_trainer

from ..course_pack.export import course_pack_export
from ..course_pack.load import course_pack_import
from ..models import PackJob
from ..packfile import PackError
from .keys import signing_key, trusted_keys

logger = logging.getLogger(__name__)

# How long an exported pack waits for its download before it is removed.
KEEP_EXPORT = timedelta(days=2)
# Progress is written at most this often: a job row is not a log.
REPORT_EVERY_SECONDS = 0.5


def packs_folder() -> Path:
    folder = Path(settings.PRIVATE_ROOT) / "packs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def access_course_export(user, course: CoursePage) -> bool:
    return user.is_authenticated and (
        is_admin(user) or (is_trainer(user) and course.trainers.filter(pk=user.pk).exists())
    )


def pack_export_start(*, user, course: CoursePage) -> PackJob:
    if not access_course_export(user, course):
        raise NotAvailable(_("Không tìm thấy khóa học này."), code="not_found")
    job = PackJob.objects.create(kind=PackJob.Kind.EXPORT, course=course, user=user)
    _enqueue("content_packs.tasks.pack_export_task", job)
    return job


def pack_import_start(*, user, upload) -> PackJob:
    """Keep the uploaded pack (written a piece at a time) and queue its import."""
    if not (user.is_authenticated and is_admin(user)):
        raise NotAvailable(_("Chỉ quản trị viên được nhập gói khóa học."), code="not_found")
    job = PackJob(kind=PackJob.Kind.IMPORT, user=user, file=f"incoming-{uuid.uuid4().hex}.lmspack")
    target = packs_folder() / job.file
    with target.open("wb") as out:
        for chunk in upload.chunks(1024 * 1024):
            out.write(chunk)
    job.total_bytes = target.stat().st_size
    job.save()
    _enqueue("content_packs.tasks.pack_import_task", job)
    return job


def _enqueue(task_name: str, job: PackJob) -> None:
    from celery import current_app

    transaction.on_commit(lambda: current_app.send_task(task_name, args=[str(job.pk)]))


def _reporter(job: PackJob) -> Callable[[str, int, int], None]:
    last = 0.0

    def report(phase: str, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < REPORT_EVERY_SECONDS and done < total:
            return
        last = now
        PackJob.objects.filter(pk=job.pk).update(phase=phase, done_bytes=done, total_bytes=total)

    return report


def _finish(job: PackJob, status: str, message: str = "", **fields) -> None:
    PackJob.objects.filter(pk=job.pk).update(
        status=status, message=message, finished_at=timezone.now(), **fields
    )


def pack_export_run(*, job_id: uuid.UUID) -> None:
    job = PackJob.objects.select_related("course").get(pk=job_id)
    if job.status != PackJob.Status.QUEUED or job.course is None:
        return
    PackJob.objects.filter(pk=job.pk).update(status=PackJob.Status.RUNNING)
    name = f"{job.course.slug}-{job.pk.hex[:8]}.lmspack"
    report = _reporter(job)
    try:
        course_pack_export(
            job.course,
            str(packs_folder() / name),
            private_key=signing_key(),
            progress=lambda written: report("export", written, 0),
        )
    except (PackError, ServiceError, OSError) as error:
        _finish(job, PackJob.Status.FAILED, str(error))
        return
    except Exception:
        logger.exception("course pack export %s failed", job.pk)
        _finish(
            job, PackJob.Status.FAILED, _("Lỗi không mong đợi; quản trị viên xem nhật ký máy chủ.")
        )
        return
    size = (packs_folder() / name).stat().st_size
    _finish(job, PackJob.Status.DONE, file=name, done_bytes=size, total_bytes=size)


def pack_import_run(*, job_id: uuid.UUID) -> None:
    job = PackJob.objects.select_related("user").get(pk=job_id)
    if job.status != PackJob.Status.QUEUED:
        return
    PackJob.objects.filter(pk=job.pk).update(status=PackJob.Status.RUNNING)
    source = packs_folder() / job.file
    try:
        result = course_pack_import(
            str(source), trusted_keys=trusted_keys(), user=job.user, progress=_reporter(job)
        )
    except (PackError, ServiceError) as error:
        _finish(job, PackJob.Status.FAILED, str(error))
        return
    except Exception:
        # Nothing was kept (the import undoes itself); the job must not stay "running".
        logger.exception("course pack import %s failed", job.pk)
        _finish(
            job, PackJob.Status.FAILED, _("Lỗi không mong đợi; quản trị viên xem nhật ký máy chủ.")
        )
        return
    finally:
        source.unlink(missing_ok=True)
    verb = _("Đã tạo") if result.created else _("Đã cập nhật")
    _finish(job, PackJob.Status.DONE, f"{verb}: {result.course.title}", course_id=result.course.pk)


def pack_exports_discard_old(now=None) -> int:
    """Packs made for download and never fetched go after a while, with their jobs'
    files; the job rows stay as the record of who exported what."""
    cutoff = (now or timezone.now()) - KEEP_EXPORT
    removed = 0
    for job in PackJob.objects.filter(kind=PackJob.Kind.EXPORT, created_at__lt=cutoff).exclude(
        file=""
    ):
        (packs_folder() / job.file).unlink(missing_ok=True)
        PackJob.objects.filter(pk=job.pk).update(file="")
        removed += 1
    return removed

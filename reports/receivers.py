"""What makes an enrolment's contribution change, and the queue it goes to.

Progress is announced by the pipeline once committed; enrolments, certificates and
profiles change through their own apps' services and are followed by their model
signals, queued in the same transaction as the change so that a rollback queues
nothing. Each receiver only queues and schedules a drain.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from courses.announcements import course_completed, progress_changed
from courses.models import Certificate, Enrolment
from lms.models import LearnerProfile

from .services.rollups import enrolments_mark_dirty, learner_mark_dirty

logger = logging.getLogger(__name__)

# Changes within this many seconds are folded by one drain.
DRAIN_DELAY = 1
DRAIN_SCHEDULED_KEY = "reports:drain-scheduled"


def drain_soon() -> None:
    if cache.add(DRAIN_SCHEDULED_KEY, 1, timeout=DRAIN_DELAY):
        from .tasks import rollups_drain_task

        try:
            rollups_drain_task.apply_async(countdown=DRAIN_DELAY)
        except Exception:
            # The periodic drain picks the queue up when the broker is back.
            logger.exception("Could not schedule a rollup drain")


def on_progress(sender, *, learner_id: int, course_id: int, **kwargs) -> None:
    enrolments_mark_dirty([(learner_id, course_id)])
    drain_soon()


def on_course_completed(sender, *, learner_id: int, course_id: int, **kwargs) -> None:
    on_progress(sender, learner_id=learner_id, course_id=course_id)


def on_enrolment(sender, instance: Enrolment, **kwargs) -> None:
    enrolments_mark_dirty([(instance.learner_id, instance.course_id)])
    transaction.on_commit(drain_soon)


def on_certificate(sender, instance: Certificate, **kwargs) -> None:
    enrolment = Enrolment.objects.filter(pk=instance.enrolment_id).values_list(
        "learner_id", "course_id"
    )
    enrolments_mark_dirty(enrolment)
    transaction.on_commit(drain_soon)


def on_profile(sender, instance: LearnerProfile, **kwargs) -> None:
    learner_mark_dirty(instance.user_id)
    transaction.on_commit(drain_soon)


def connect() -> None:
    progress_changed.connect(on_progress, dispatch_uid="reports-progress")
    course_completed.connect(on_course_completed, dispatch_uid="reports-completed")
    for signal in (post_save, post_delete):
        signal.connect(on_enrolment, sender=Enrolment, dispatch_uid=f"reports-enrolment-{signal}")
        signal.connect(on_certificate, sender=Certificate, dispatch_uid=f"reports-cert-{signal}")
        signal.connect(on_profile, sender=LearnerProfile, dispatch_uid=f"reports-profile-{signal}")

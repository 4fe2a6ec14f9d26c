"""Concurrent event streams and drains lose no update (real PostgreSQL, real threads)."""

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import Verb
from courses.services.enrolment import enrolment_create
from courses.services.progress import EventIn, progress_events_ingest
from reports.models import DirtyEnrolment, Grain, Rollup
from reports.services.rollups import (
    enrolments_mark_dirty,
    rollups_check,
    rollups_drain,
    rollups_drain_all,
)
from tests.factories import build_course, served

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_streams_and_drains_at_once_equal_a_rebuild(trainer, make_learner):
    tree = build_course(trainer=trainer)
    learners = [make_learner(f"dong{i}x") for i in range(6)]
    for learner in learners:
        enrolment_create(learner=learner, course=tree.course)
        served(learner, *tree.activities)
    errors: list[BaseException] = []
    stop = threading.Event()

    def stream(learner):
        try:
            for activity in tree.activities:
                for verb in (Verb.PROGRESSED, Verb.COMPLETED):
                    progress_events_ingest(
                        learner=learner,
                        events=[
                            EventIn(
                                uuid.uuid4(), activity.pk, verb, timezone.now(), {"seconds": 20}
                            )
                        ],
                    )
                    # What the announcement's subscriber does, without waiting for it.
                    enrolments_mark_dirty([(learner.pk, tree.course.pk)])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def drain():
        try:
            while not stop.is_set():
                rollups_drain(limit=2)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    drainers = [threading.Thread(target=drain) for _ in range(3)]
    streams = [threading.Thread(target=stream, args=(learner,)) for learner in learners]
    for thread in drainers + streams:
        thread.start()
    for thread in streams:
        thread.join(120)
    stop.set()
    for thread in drainers:
        thread.join(120)
    assert not errors
    rollups_drain_all()
    assert not DirtyEnrolment.objects.exists()
    assert rollups_check().equal
    completed = Rollup.objects.filter(grain=Grain.COURSE_UNIT).values_list("completed", flat=True)
    assert sum(completed) == len(learners)

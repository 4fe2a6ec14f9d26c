"""Rollups against a brute-force recount of the raw records."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import ActivityProgress, Enrolment, ProgressEvent, Verb
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from courses.services.errors import ServiceError
from courses.services.progress import EventIn, activity_opened, progress_events_ingest
from lms.models import AdministrativeUnit
from reports.dimensions import age_band, month_of
from reports.models import ANY_CODE, ANY_ID, MEASURES, DirtyEnrolment, Grain, Rollup
from reports.services.rollups import (
    enrolments_mark_dirty,
    rollups_check,
    rollups_drain,
    rollups_drain_all,
    rollups_rebuild,
)
from tests.factories import build_course

COUNTED = ("enrolled", "active", "completed", "passed", "certified", "attended")


def expected_counts() -> Counter:
    """What the full-grain cells must hold, recounted from enrolments, events and
    summaries one record at a time (no rollup code involved)."""
    counts: Counter = Counter()
    enrolments = Enrolment.objects.filter(status="active").select_related(
        "learner__learner_profile__unit", "progress"
    )
    for e in enrolments:
        profile = e.learner.learner_profile
        unit = profile.unit.current_unit_id or profile.unit_id
        key = (
            e.course_id,
            unit,
            profile.unit_id,
            profile.ethnic_group_id or 0,
            profile.sex,
            age_band(profile.birth_year, month_of(e.enrolled_at)),
            profile.category,
        )
        counts[(month_of(e.enrolled_at), *key, "enrolled")] += 1
        months = {
            month_of(ev.occurred_at)
            for ev in ProgressEvent.objects.filter(learner=e.learner, activity__course=e.course)
        }
        for month in months:
            counts[(month, *key, "active")] += 1
        if e.progress.completed_at:
            counts[(month_of(e.progress.completed_at), *key, "completed")] += 1
    return counts


def stored_counts(grain=Grain.FULL) -> Counter:
    counts: Counter = Counter()
    for cell in Rollup.objects.filter(grain=grain):
        key = (
            cell.month,
            cell.course_id,
            cell.unit_id,
            cell.recorded_unit_id,
            cell.ethnic_group_id,
            cell.sex,
            cell.age_band,
            cell.category,
        )
        for measure in COUNTED:
            if getattr(cell, measure):
                counts[(*key, measure)] += getattr(cell, measure)
    return counts


def project(counts: Counter, keeps: set[int]) -> Counter:
    """Full-grain counts summed onto a smaller grain (positions of kept dimensions)."""
    out: Counter = Counter()
    for key, n in counts.items():
        month, *dims, measure = key
        kept = tuple(
            d if i in keeps else (ANY_CODE if i >= 4 else ANY_ID) for i, d in enumerate(dims)
        )
        out[(month, *kept, measure)] += n
    return out


def assert_rollups_match_recount():
    expected = expected_counts()
    assert stored_counts() == expected
    assert stored_counts(Grain.COURSE_UNIT) == project(expected, {0, 1})
    assert stored_counts(Grain.UNIT_PEOPLE) == project(expected, {1, 3, 4})
    # Time: every credited second of an active enrolment is in some month's cell.
    credited: Counter = Counter()
    for e in Enrolment.objects.filter(status="active"):
        for s in ActivityProgress.objects.filter(learner=e.learner, activity__course=e.course):
            credited[e.course_id] += s.seconds_spent
    in_cells: Counter = Counter()
    for cell in Rollup.objects.filter(grain=Grain.FULL):
        in_cells[cell.course_id] += cell.seconds
    assert +in_cells == +credited
    assert rollups_check().equal


@pytest.fixture
def world(db, trainer, make_learner, unit, other_unit, tay):
    courses = [
        build_course(trainer=trainer),
        build_course(trainer=trainer, title="Tin học cơ bản", slug="tin-hoc"),
    ]
    former = AdministrativeUnit.objects.filter(is_current=False, level="commune").first()
    learners = [
        make_learner("hv1x"),
        make_learner("hv2x", unit_=other_unit, sex="male", birth_year=1970, category="official"),
        make_learner("hv3x", unit_=former, ethnic_consent=True, ethnic_group=tay),
        make_learner("hv4x", sex="unstated", birth_year=2011, category="prestigious"),
    ]
    return courses, learners


OPS = st.lists(
    st.tuples(
        st.integers(0, 3),  # learner
        st.integers(0, 1),  # course
        st.sampled_from(
            ["enrol", "open", "progress", "complete", "resend", "drain", "drain", "withdraw"]
        ),
        st.integers(0, 3),  # activity of the course
        st.integers(0, 120),  # days ago
        st.integers(0, 4000),  # claimed seconds
    ),
    max_size=30,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_incremental_rollups_equal_a_recount(world, ops, django_capture_on_commit_callbacks):
    courses, learners = world
    now = timezone.now()
    sent: list[tuple] = []
    with transaction.atomic():
        # Everyone starts enrolled in the first course; the operations take it from there.
        for learner in learners:
            enrolment = enrolment_create(learner=learner, course=courses[0].course)
            Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=now - timedelta(days=150))
            enrolments_mark_dirty([(learner.pk, courses[0].course.pk)])
        for learner_i, course_i, op, activity_i, days, seconds in ops:
            learner, tree = learners[learner_i], courses[course_i]
            activity = tree.activities[activity_i]
            at = now - timedelta(days=days)
            with django_capture_on_commit_callbacks(execute=True):
                try:
                    if op == "enrol":
                        enrolment = enrolment_create(learner=learner, course=tree.course)
                        # Enrolled back then, as a late-synchronised phone reports it.
                        Enrolment.objects.filter(pk=enrolment.pk).update(
                            enrolled_at=now - timedelta(days=150)
                        )
                        enrolments_mark_dirty([(learner.pk, tree.course.pk)])
                    elif op == "withdraw":
                        enrolment_withdraw(
                            enrolment=Enrolment.objects.get(learner=learner, course=tree.course)
                        )
                    elif op == "open":
                        activity_opened(learner=learner, activity_id=activity.pk, now=at)
                    elif op == "drain":
                        rollups_drain(limit=1 + seconds % 3)
                    elif op == "resend" and sent:
                        progress_events_ingest(learner=sent[-1][0], events=[sent[-1][1]])
                    elif op in ("progress", "complete"):
                        verb = Verb.PROGRESSED if op == "progress" else Verb.COMPLETED
                        event = EventIn(uuid.uuid4(), activity.pk, verb, at, {"seconds": seconds})
                        progress_events_ingest(learner=learner, events=[event])
                        sent.append((learner, event))
                except (ServiceError, Enrolment.DoesNotExist):
                    pass
        rollups_drain_all()
        assert not DirtyEnrolment.objects.exists()
        assert_rollups_match_recount()
        # A rebuild from scratch gives the very same cells.
        before = sorted(
            Rollup.objects.exclude(**{m: 0 for m in MEASURES}).values_list(
                "grain", "month", "course_id", "unit_id", "ethnic_group_id", "sex", *MEASURES
            )
        )
        rollups_rebuild()
        after = sorted(
            Rollup.objects.values_list(
                "grain", "month", "course_id", "unit_id", "ethnic_group_id", "sex", *MEASURES
            )
        )
        assert after == before
        transaction.set_rollback(True)

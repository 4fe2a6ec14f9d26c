from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, CourseProgress, Enrolment

from .errors import Conflict, ServiceError


def _check_prerequisites(learner, course: CoursePage) -> None:
    prerequisites = list(course.prerequisites.all())
    if not prerequisites:
        return
    done = set(
        Enrolment.objects.filter(
            learner=learner, course__in=prerequisites, progress__completed_at__isnull=False
        ).values_list("course_id", flat=True)
    )
    missing = [c.title for c in prerequisites if c.pk not in done]
    if missing:
        raise ServiceError(
            _("Cần hoàn thành trước: %(courses)s.") % {"courses": ", ".join(missing)},
            code="prerequisites",
        )


def _lock_course(course: CoursePage) -> CoursePage:
    """Serialise enrolments of one course so that capacity cannot be overrun."""
    return CoursePage.objects.select_for_update(of=("self",)).get(pk=course.pk)


def _active_count(course: CoursePage) -> int:
    return Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count()


def enrolment_create(
    *,
    learner,
    course: CoursePage,
    source: str = Enrolment.Source.SELF,
    cohort=None,
    now=None,
) -> Enrolment:
    """Enrol a learner, or re-activate a withdrawn enrolment with its progress intact.

    Self-enrolment honours the course's window; every enrolment honours capacity and
    prerequisites. Enrolling twice is not an error: the existing enrolment is returned.
    """
    now = now or timezone.now()
    if not hasattr(learner, "learner_profile"):
        raise ServiceError(_("Chỉ người học có hồ sơ mới ghi danh được."), code="no_profile")
    if not course.live:
        raise ServiceError(_("Khóa học này chưa mở."), code="not_live")
    with transaction.atomic():
        course = _lock_course(course)
        existing = Enrolment.objects.filter(learner=learner, course=course).first()
        if existing and existing.is_active:
            return existing
        if source == Enrolment.Source.SELF and not course.enrolment_is_open(now):
            raise ServiceError(_("Khóa học không mở ghi danh vào lúc này."), code="closed")
        if course.capacity is not None and _active_count(course) >= course.capacity:
            raise Conflict(_("Khóa học đã đủ chỗ."), code="full")
        _check_prerequisites(learner, course)
        if existing:
            existing.status = Enrolment.Status.ACTIVE
            existing.withdrawn_at = None
            existing.save(update_fields=["status", "withdrawn_at"])
            return existing
        enrolment = Enrolment.objects.create(
            learner=learner, course=course, source=source, cohort=cohort
        )
        CourseProgress.objects.create(
            enrolment=enrolment,
            required_total=course.activities.filter(is_active=True, required=True).count(),
        )
    return enrolment


def enrolment_withdraw(*, enrolment: Enrolment, now=None) -> Enrolment:
    """Unenrol. Progress is kept, so re-enrolling later picks up where the learner was."""
    if not enrolment.is_active:
        return enrolment
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = now or timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    return enrolment

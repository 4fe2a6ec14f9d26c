"""Enrolment, the one way into a course: a learner's own, a cohort file's, an admin's.

Every rule of who may be enrolled when is decided here and nowhere else:

* the course is published; its enrolment dates (opens/closes) hold for everyone;
* "self-enrolment" off means a learner cannot enrol on their own initiative, but may
  still accept an invitation;
* capacity counts active enrolments, with the course row locked so two requests
  cannot both take the last seat;
* prerequisites must have been completed;
* a withdrawn enrolment comes back (with its progress) only by the learner's own act,
  never because someone else's list names them.

The cohort import calls ``enrolment_course_check`` for a whole file before writing
anything, then ``enrolment_create`` for each learner, so a file is judged by the same
rules.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Cohort, CoursePage, CourseProgress, Enrolment, Invitation

from .errors import Conflict, ServiceError


def _unmet_prerequisites(learner, course: CoursePage) -> list[str]:
    """Titles of the prerequisites ``learner`` has not completed."""
    prerequisites = list(course.prerequisites.all())
    if not prerequisites:
        return []
    done = set(
        Enrolment.objects.filter(
            learner=learner, course__in=prerequisites, progress__completed_at__isnull=False
        ).values_list("course_id", flat=True)
    )
    return [c.title for c in prerequisites if c.pk not in done]


def _lock_course(course: CoursePage) -> CoursePage:
    """Serialise enrolments of one course so that capacity cannot be overrun."""
    return CoursePage.objects.select_for_update(of=("self",)).get(pk=course.pk)


def _active_count(course: CoursePage) -> int:
    return Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count()


def _within_dates(course: CoursePage, now) -> bool:
    if course.enrolment_opens_at and now < course.enrolment_opens_at:
        return False
    return not (course.enrolment_closes_at and now >= course.enrolment_closes_at)


def enrolment_course_check(
    *, course: CoursePage, own_initiative: bool, seats: int = 1, now=None
) -> None:
    """Raise the ServiceError the course itself gives to enrolling ``seats`` learners:
    not published, outside its dates (or closed to self-enrolment, for a learner's own
    initiative without an invitation), or not enough seats left."""
    now = now or timezone.now()
    if not course.live:
        raise ServiceError(_("Khóa học này chưa mở."), code="not_live")
    if not _within_dates(course, now) or (own_initiative and not course.self_enrolment):
        raise ServiceError(_("Khóa học không mở ghi danh vào lúc này."), code="closed")
    if course.capacity is not None:
        free = course.capacity - _active_count(course)
        if seats and seats > free:
            if seats == 1:
                raise Conflict(_("Khóa học đã đủ chỗ."), code="full")
            raise Conflict(
                _("Lớp có %(n)s người mới nhưng khóa học chỉ còn %(free)s chỗ.")
                % {"n": seats, "free": max(free, 0)},
                code="full",
            )


def enrolment_check(*, learner, course: CoursePage, own_initiative: bool, now=None) -> None:
    """Raise the ServiceError that enrolling ``learner`` would meet, if any.

    ``own_initiative``: the learner enrols themselves without an invitation.
    """
    if not hasattr(learner, "learner_profile"):
        raise ServiceError(_("Chỉ người học có hồ sơ mới ghi danh được."), code="no_profile")
    enrolment_course_check(course=course, own_initiative=own_initiative, now=now)
    missing = _unmet_prerequisites(learner, course)
    if missing:
        raise ServiceError(
            _("Cần hoàn thành trước: %(courses)s.") % {"courses": ", ".join(missing)},
            code="prerequisites",
        )


def enrolment_create(
    *,
    learner,
    course: CoursePage,
    by=None,
    cohort: Cohort | None = None,
    now=None,
) -> Enrolment:
    """Enrol ``learner`` in ``course``; ``by`` is who acts (the learner when ``None``).

    The learner's own act accepts a pending invitation to the course if there is one
    (the enrolment then belongs to the invitation's cohort), or re-activates a withdrawn
    enrolment with its progress intact. Someone else's act (a cohort file of a manager
    in scope) enrols only a learner who was never enrolled. Enrolling twice is not an
    error: the existing enrolment is returned.
    """
    now = now or timezone.now()
    own_act = by is None or by.pk == learner.pk
    with transaction.atomic():
        course = _lock_course(course)
        existing = Enrolment.objects.filter(learner=learner, course=course).first()
        if existing and existing.is_active:
            return existing
        if existing and not own_act:
            raise ServiceError(
                _("Người học này đã rút khỏi khóa học; chỉ chính họ ghi danh lại được."),
                code="withdrawn",
            )
        invitation = None
        if own_act:
            invitation = (
                Invitation.objects.pending()
                .select_for_update()
                .filter(learner=learner, course=course)
                .first()
            )
        enrolment_check(
            learner=learner,
            course=course,
            own_initiative=own_act and invitation is None,
            now=now,
        )
        if invitation is not None:
            invitation.status = Invitation.Status.ACCEPTED
            invitation.answered_at = now
            invitation.save(update_fields=["status", "answered_at"])
            cohort = invitation.cohort
        source = (
            Enrolment.Source.SELF if own_act and invitation is None else Enrolment.Source.COHORT
        )
        if existing:
            existing.status = Enrolment.Status.ACTIVE
            existing.withdrawn_at = None
            fields = ["status", "withdrawn_at"]
            if invitation is not None:
                existing.source, existing.cohort = source, cohort
                fields += ["source", "cohort"]
            existing.save(update_fields=fields)
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


# --- invitations ----------------------------------------------------------------------


def invitation_create(
    *, learner, course: CoursePage, by, cohort: Cohort | None = None
) -> tuple[Invitation, bool]:
    """Ask an existing learner to join a course; idempotent while one is pending.

    Returns the invitation and whether it is new. Nothing of the learner becomes
    visible to the inviter until they accept.
    """
    pending = Invitation.objects.pending().filter(learner=learner, course=course).first()
    if pending is not None:
        return pending, False
    return (
        Invitation.objects.create(learner=learner, course=course, cohort=cohort, invited_by=by),
        True,
    )


def invitation_accept(*, learner, course: CoursePage, now=None) -> Enrolment:
    """Accepting is enrolling oneself: the pending invitation supplies the cohort."""
    if not Invitation.objects.pending().filter(learner=learner, course=course).exists():
        raise ServiceError(_("Không có lời mời nào đang chờ cho khóa học này."), code="no_invite")
    return enrolment_create(learner=learner, course=course, now=now)


def invitation_decline(*, learner, course: CoursePage, now=None) -> int:
    """Decline the learner's pending invitation to ``course``; returns how many."""
    return (
        Invitation.objects.pending()
        .filter(learner=learner, course=course)
        .update(status=Invitation.Status.DECLINED, answered_at=now or timezone.now())
    )


def invitations_pending_for(learner) -> QuerySet[Invitation]:
    """The learner's own invitations still waiting for an answer, to published courses."""
    return Invitation.objects.pending().for_learner(learner).order_by("-created_at")

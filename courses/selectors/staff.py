"""What trainers, managers and admins may follow, each scoped to the asking user."""

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from lms.roles import is_admin, is_manager, is_trainer
from lms.selectors import learners_visible_to
from lms.text import fold, search_query

from ..models import (
    CoursePage,
    Enrolment,
)

STAFF_ROWS_PAGE_SIZE = 50


def courses_taught_by(user) -> QuerySet[CoursePage]:
    if is_admin(user):
        return CoursePage.objects.all()
    if is_trainer(user):
        return CoursePage.objects.filter(trainers=user)
    return CoursePage.objects.none()


def enrolments_visible_to(user) -> QuerySet[Enrolment]:
    """Enrolments (with their progress) a user may read.

    Learners: their own. Trainers: those of the courses they teach. Managers: those of
    learners in their units. Admins: all.
    """
    enrolments = Enrolment.objects.select_related("progress", "course", "learner__learner_profile")
    if not user.is_authenticated:
        return enrolments.none()
    if is_admin(user):
        return enrolments
    visible = enrolments.filter(learner=user)
    if is_trainer(user):
        visible = visible | enrolments.filter(course__in=courses_taught_by(user))
    if is_manager(user):
        visible = visible | enrolments.filter(learner__in=learners_visible_to(user))
    return visible.distinct()


def course_roster(user, course: CoursePage) -> QuerySet[Enrolment]:
    """A course's enrolments with progress, as far as ``user`` may see them."""
    return (
        enrolments_visible_to(user)
        .filter(course=course)
        .select_related("cohort", "learner__learner_profile__unit")
        .order_by("status", "-progress__percent", "learner__learner_profile__full_name")
    )


def progress_rows_for_staff(user, params) -> dict:
    """Enrolments a trainer, manager or admin may follow, filtered by course, unit, name."""
    rows = (
        enrolments_visible_to(user)
        .exclude(learner=user)
        .select_related("learner__learner_profile__unit")
        .order_by("course__title", "learner__learner_profile__full_name")
    )
    course = params.get("course") or ""
    if course.isdecimal():  # not isdigit: "²" is a digit that int() refuses
        rows = rows.filter(course_id=int(course))
    unit = params.get("unit") or ""
    if unit.isdecimal():
        rows = rows.filter(learner__learner_profile__unit__current_unit_id=int(unit))
    query = search_query(params.get("q"))
    # Like the catalogue: "nong thi ha" finds "Nông Thị Hà"; each word in the name or
    # the username.
    for word in fold(query).split():
        rows = rows.filter(
            Q(learner__learner_profile__search_key__contains=word)
            | Q(learner__username__icontains=word)
        )
    page = Paginator(rows, STAFF_ROWS_PAGE_SIZE).get_page(params.get("page"))
    return {
        "page_obj": page,
        "rows": page.object_list,
        "q": query,
        "selected": {"course": course, "unit": unit},
        "courses": CoursePage.objects.filter(
            pk__in=enrolments_visible_to(user).values("course_id")
        ).order_by("title"),
    }


def learner_for_staff(user, learner_id: int):
    """One learner with the enrolments ``user`` may see, or None when none are visible."""
    enrolments = list(
        enrolments_visible_to(user).exclude(learner=user).filter(learner_id=learner_id)
    )
    if not enrolments:
        return None
    return {"learner": enrolments[0].learner, "enrolments": enrolments}

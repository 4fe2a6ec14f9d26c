"""Reads of the courses app, each scoped to what the asking user may see."""

from dataclasses import dataclass, field, replace

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.query import PageQuerySet

from cms.cache import tree_cached
from lms.roles import is_admin, is_manager, is_trainer
from lms.selectors import learners_visible_to
from lms.text import fold, search_query

from .activity_kinds import describe_activities
from .models import (
    Activity,
    ActivityProgress,
    CoursePage,
    Enrolment,
    Language,
    LessonPage,
    Level,
    ModulePage,
    ProgramPage,
)

CATALOGUE_PAGE_SIZE = 12
STAFF_ROWS_PAGE_SIZE = 50

# --- the course outline -------------------------------------------------------------


@dataclass
class OutlineItem:
    """One activity in the outline: a lesson, or whatever another kind registered."""

    activity_id: str
    kind: str
    title: str
    url: str
    icon: str
    minutes: int | None
    required: bool
    page_id: int | None
    status: int = 0

    @property
    def done(self) -> bool:
        return self.status == ActivityProgress.Status.COMPLETED


@dataclass
class OutlineModule:
    page_id: int | None
    title: str | Promise  # lazy for the "other activities" heading, cached in any language
    items: list[OutlineItem] = field(default_factory=list)

    @property
    def required_items(self) -> list[OutlineItem]:
        return [item for item in self.items if item.required]

    @property
    def done(self) -> int:
        return sum(1 for item in self.required_items if item.done)

    @property
    def total(self) -> int:
        return len(self.required_items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class CourseCard:
    """What a lesson page needs to know of its course, cached with the tree."""

    pk: int
    path: str
    title: str
    url: str


def course_card(course_path: str) -> CourseCard | None:
    def compute():
        course = CoursePage.objects.live().filter(path=course_path).first()
        return course and CourseCard(course.pk, course.path, course.title, course.get_url())

    return tree_cached(("course-card", course_path), compute)


def course_outline(course: CoursePage | CourseCard) -> list[OutlineModule]:
    """The course's active activities by module, cached until anything is republished.

    The cached list is shared: callers copy it before filling in a learner's statuses.
    """
    return tree_cached(("outline", course.path), lambda: _build_outline(course))


def _build_outline(course) -> list[OutlineModule]:
    depth = len(course.path) // CoursePage.steplen
    modules: dict[int | None, OutlineModule] = {
        m.pk: OutlineModule(m.pk, m.title)
        for m in ModulePage.objects.live()
        .filter(path__startswith=course.path, depth=depth + 1)
        .order_by("path")
        .only("id", "title")
    }
    activities = list(
        Activity.objects.filter(course_id=course.pk, is_active=True).order_by("position", "title")
    )
    entries = describe_activities(activities)
    for activity in activities:
        module = modules.get(activity.module_id)
        if module is None:
            module = modules.setdefault(None, OutlineModule(None, _("Hoạt động khác")))
        entry = entries[activity.pk]
        module.items.append(
            OutlineItem(
                activity_id=str(activity.pk),
                kind=activity.kind,
                title=entry.title,
                url=entry.url,
                icon=entry.icon,
                minutes=entry.minutes,
                required=activity.required,
                page_id=activity.page_id,
            )
        )
    return [module for module in modules.values() if module.items]


def outline_with_status(course: CoursePage, learner) -> list[OutlineModule]:
    """The outline with this learner's status on each activity."""
    statuses = {}
    if learner.is_authenticated:
        statuses = {
            str(activity_id): status
            for activity_id, status in ActivityProgress.objects.filter(
                learner=learner, activity__course=course
            ).values_list("activity_id", "status")
        }
    return _with_status(course_outline(course), statuses)


def _with_status(outline: list[OutlineModule], statuses: dict) -> list[OutlineModule]:
    """Copies of the cached outline with statuses filled in; the cached one stays clean."""
    return [
        OutlineModule(
            module.page_id,
            module.title,
            [replace(item, status=statuses.get(item.activity_id, 0)) for item in module.items],
        )
        for module in outline
    ]


def resume_item(outline: list[OutlineModule], last_activity_id: str | None) -> OutlineItem | None:
    """Where "continue" leads: the activity left off if unfinished, else the next
    unfinished required one (then optional ones); nothing once everything is done."""
    items = [item for module in outline for item in module.items]
    start = 0
    for index, item in enumerate(items):
        if item.activity_id == last_activity_id:
            if not item.done:
                return item
            start = index + 1
            break
    ahead = items[start:] + items[:start]
    return next((i for i in ahead if i.required and not i.done), None) or next(
        (i for i in ahead if not i.done), None
    )


# --- catalogue ----------------------------------------------------------------------


def published_courses() -> PageQuerySet:
    return CoursePage.objects.live().public()


def catalogue_search(params) -> dict:
    """Courses matching the catalogue's query and filters, ignoring case and diacritics."""
    query = search_query(params.get("q"))
    courses = published_courses().order_by("title")
    folded = fold(query)
    for word in folded.split():
        courses = courses.filter(search_key__contains=word)
    program = params.get("program") or ""
    programs = list(
        ProgramPage.objects.live().public().order_by("path").only("id", "title", "track")
    )
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if program.isdecimal():
        selected = next((p for p in programs if p.pk == int(program)), None)
        courses = courses.descendant_of(selected) if selected else courses.none()
    language = params.get("language") or ""
    if language in Language.values:
        courses = courses.filter(language=language)
    level = params.get("level") or ""
    if level in Level.values:
        courses = courses.filter(level=level)
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(params.get("page"))
    # Only languages a course is taught in: choosing any other could only find nothing.
    taught = set(published_courses().order_by().values_list("language", flat=True).distinct())
    return {
        "q": query,
        "page_obj": page,
        "courses": page.object_list,
        "programs": programs,
        "languages": [(code, name) for code, name in Language.choices if code in taught],
        "levels": Level.choices,
        "selected": {"program": program, "language": language, "level": level},
        "filtered": bool(query or program or language or level),
    }


# --- enrolment and progress ---------------------------------------------------------


def course_page_context(course: CoursePage, user) -> dict:
    enrolment = None
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.select_related("progress", "certificate")
            .filter(learner=user, course=course)
            .first()
        )
    active = enrolment if enrolment and enrolment.is_active else None
    outline = outline_with_status(course, user) if active else course_outline(course)
    resume = None
    if active:
        last = active.progress.last_activity_id
        resume = resume_item(outline, str(last) if last else None)
    return {
        "enrolment": enrolment,
        "active_enrolment": active,
        "outline": outline,
        "resume": resume,
        "trainers": course.trainers.select_related("learner_profile").all(),
        "prerequisites": course.prerequisites.live(),
        "enrolment_open": course.enrolment_is_open(),
        "seats_left": (
            max(
                course.capacity - course.enrolments.filter(status=Enrolment.Status.ACTIVE).count(),
                0,
            )
            if course.capacity is not None
            else None
        ),
    }


def access_lesson(user, lesson: LessonPage) -> CourseCard | None:
    """The lesson's course if ``user`` may learn it (an active enrolment), else None."""
    if not user.is_authenticated:
        return None
    card = course_card(lesson.path[: -2 * LessonPage.steplen])
    if card is None:
        return None
    enrolled = Enrolment.objects.filter(
        learner=user, course_id=card.pk, status=Enrolment.Status.ACTIVE
    ).exists()
    return card if enrolled else None


def lesson_context(lesson: LessonPage, learner, card: CourseCard) -> dict:
    summaries = {
        str(s.activity_id): s
        for s in ActivityProgress.objects.filter(learner=learner, activity__course_id=card.pk).only(
            "activity_id", "status", "resume_point", "opened_at"
        )
    }
    statuses = {key: summary.status for key, summary in summaries.items()}
    outline = _with_status(course_outline(card), statuses)
    items = [item for module in outline for item in module.items]
    index = next((i for i, item in enumerate(items) if item.page_id == lesson.pk), None)
    current = items[index] if index is not None else None
    return {
        "course": card,
        "outline": outline,
        "current": current,
        "previous": items[index - 1] if index else None,
        "next": items[index + 1] if index is not None and index + 1 < len(items) else None,
        "summary": summaries.get(current.activity_id) if current else None,
    }


def my_learning(learner) -> list[dict]:
    """The learner's active and finished courses, each with its module progress bars."""
    enrolments = (
        Enrolment.objects.filter(learner=learner)
        .select_related("progress", "course", "certificate")
        .order_by("status", "-progress__last_activity_at", "-enrolled_at")
    )
    # Every course's statuses in one query, not one per enrolment.
    statuses = {
        str(activity_id): status
        for activity_id, status in ActivityProgress.objects.filter(learner=learner).values_list(
            "activity_id", "status"
        )
    }
    items = []
    for enrolment in enrolments:
        outline = _with_status(course_outline(enrolment.course), statuses)
        last = enrolment.progress.last_activity_id
        items.append(
            {
                "enrolment": enrolment,
                "course": enrolment.course,
                "progress": enrolment.progress,
                "outline": outline,
                "resume": resume_item(outline, str(last) if last else None)
                if enrolment.is_active
                else None,
                "available": enrolment.course.live and bool(outline),
                "certificate": getattr(enrolment, "certificate", None),
            }
        )
    return items


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

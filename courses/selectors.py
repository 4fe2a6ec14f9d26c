"""Reads of the courses app, each scoped to what the asking user may see."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from cms.cache import tree_cached
from lms.roles import is_admin, is_manager, is_trainer
from lms.selectors import learners_visible_to
from lms.text import fold, search_query

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
class OutlineLesson:
    page_id: int
    title: str
    url: str
    minutes: int
    required: bool
    activity_id: str | None
    status: int = 0


@dataclass
class OutlineModule:
    page_id: int
    title: str
    lessons: list[OutlineLesson] = field(default_factory=list)
    done: int = 0

    @property
    def total(self) -> int:
        return len(self.lessons)

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
    """Modules and lessons of a published course, cached until anything is republished.

    The cached list is shared: callers copy it before filling in a learner's statuses.
    """
    return tree_cached(("outline", course.path), lambda: _build_outline(course))


def _build_outline(course) -> list[OutlineModule]:
    steplen = CoursePage.steplen
    depth = len(course.path) // steplen
    modules = {
        m.path: OutlineModule(m.pk, m.title)
        for m in ModulePage.objects.live()
        .filter(path__startswith=course.path, depth=depth + 1)
        .order_by("path")
        .only("id", "title", "path")
    }
    activities = dict(
        Activity.objects.filter(
            course_id=course.pk, is_active=True, page__isnull=False
        ).values_list("page_id", "id")
    )
    lessons = (
        LessonPage.objects.live()
        .filter(path__startswith=course.path, depth=depth + 2)
        .order_by("path")
        .only("id", "title", "url_path", "path", "depth", "estimated_minutes", "required")
    )
    for lesson in lessons:
        module = modules.get(lesson.path[:-steplen])
        if module is None:
            continue
        activity_id = activities.get(lesson.pk)
        module.lessons.append(
            OutlineLesson(
                page_id=lesson.pk,
                title=lesson.title,
                url=lesson.get_url(),
                minutes=lesson.estimated_minutes,
                required=lesson.required,
                activity_id=str(activity_id) if activity_id else None,
            )
        )
    return list(modules.values())


def outline_with_status(course: CoursePage, learner) -> list[OutlineModule]:
    """The outline with this learner's status on each lesson."""
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
    result = []
    for module in outline:
        copy = OutlineModule(module.page_id, module.title)
        for lesson in module.lessons:
            status = statuses.get(lesson.activity_id, 0)
            copy.lessons.append(OutlineLesson(**{**lesson.__dict__, "status": status}))
            if status == ActivityProgress.Status.COMPLETED:
                copy.done += 1
        result.append(copy)
    return result


def resume_lesson(
    outline: list[OutlineModule], last_activity_id: str | None
) -> OutlineLesson | None:
    """Where "continue" leads: the lesson left off if unfinished, else the next unfinished."""
    lessons = [lesson for module in outline for lesson in module.lessons]
    if not lessons:
        return None
    start = 0
    for index, lesson in enumerate(lessons):
        if lesson.activity_id == last_activity_id:
            if lesson.status != ActivityProgress.Status.COMPLETED:
                return lesson
            start = index + 1
            break
    for lesson in lessons[start:] + lessons[:start]:
        if lesson.status != ActivityProgress.Status.COMPLETED:
            return lesson
    return lessons[0]


# --- catalogue ----------------------------------------------------------------------


def published_courses() -> QuerySet[CoursePage]:
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
    return {
        "q": query,
        "page_obj": page,
        "courses": page.object_list,
        "programs": programs,
        "languages": Language.choices,
        "levels": Level.choices,
        "selected": {"program": program, "language": language, "level": level},
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
        resume = resume_lesson(outline, str(last) if last else None)
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


def lesson_context(lesson: LessonPage, learner, card: CourseCard) -> dict:
    summaries = {
        str(s.activity_id): s
        for s in ActivityProgress.objects.filter(learner=learner, activity__course_id=card.pk).only(
            "activity_id", "status", "resume_point"
        )
    }
    statuses = {key: summary.status for key, summary in summaries.items()}
    outline = _with_status(course_outline(card), statuses)
    lessons = [item for module in outline for item in module.lessons]
    index = next((i for i, item in enumerate(lessons) if item.page_id == lesson.pk), None)
    current = lessons[index] if index is not None else None
    return {
        "course": card,
        "outline": outline,
        "current": current,
        "previous": lessons[index - 1] if index else None,
        "next": lessons[index + 1] if index is not None and index + 1 < len(lessons) else None,
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
                "resume": resume_lesson(outline, str(last) if last else None)
                if enrolment.is_active
                else None,
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

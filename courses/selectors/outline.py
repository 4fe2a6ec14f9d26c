"""The course outline: a course's activities by module, cached with the tree, and
where "continue" leads."""

import uuid
from dataclasses import dataclass, field, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cms.cache import tree_cached

from ..activity_kinds import describe_activities
from ..models import (
    Activity,
    ActivityProgress,
    CoursePage,
    ModulePage,
)


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
    return outline_statuses(course_outline(course), statuses)


def outline_statuses(outline: list[OutlineModule], statuses: dict) -> list[OutlineModule]:
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


def placed_activity(page, *, kind: str, key) -> tuple[int | None, uuid.UUID | None]:
    """(the lesson's course, the active activity its block makes for the object with
    ``key``): what a block placing a recording or a package renders with, the same for
    every learner."""
    if page is None or not page.pk:
        return None, None
    course_id = Activity.objects.filter(page_id=page.pk).values_list("course_id", flat=True).first()
    if course_id is None:
        return None, None
    activity_id = (
        Activity.objects.filter(kind=kind, source_ref=f"{course_id}:{key}", is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    return course_id, activity_id

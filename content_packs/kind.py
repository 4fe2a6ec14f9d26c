"""How an interactive package (H5P, SCORM) joins the learning loop: the ``package`` kind.

Scores and statuses come from the package's own JavaScript in the learner's browser:
client-reported by nature, they are stored as such (the raw statements and CMI data
are kept, and every event says so). What the server holds as evidence is its own: it
served the package's player to this learner, and time has passed since. A scored
package completes with a score (at or above its pass mark, when it has one); an H5P
package that asks no questions completes once the learner has had it open; a SCORM
package completes when it reports itself completed (and not failed).
"""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from cms.cache import tree_cached_many
from courses.activity_kinds import (
    ActivityKind,
    EventIn,
    FoldContext,
    OutlineEntry,
    fold_default,
    lessons_holding,
    register_kind,
)
from courses.models import Activity, ActivityProgress, Verb

from .models import Package

PACKAGE = "package"


def source_ref(course_id: int, package_key: uuid.UUID | str) -> str:
    return f"{course_id}:{package_key}"


def package_key_of(activity: Activity) -> str:
    return activity.source_ref.split(":", 1)[1]


def min_seconds() -> int:
    return int(getattr(settings, "PACKAGE_MIN_SECONDS", 10))


def _rules(activity_id: uuid.UUID) -> tuple[str, bool, float | None]:
    """(kind, scored, pass percent) of the package behind an activity, cached with the
    tree."""

    def load(ids: set) -> dict:
        refs = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "source_ref"))
        keys = {pk: ref.split(":", 1)[1] for pk, ref in refs.items() if ":" in ref}
        found = {
            str(key): (kind, scored, percent)
            for key, kind, scored, percent in Package.objects.filter(
                key__in=keys.values()
            ).values_list("key", "kind", "scored", "pass_percent")
        }
        return {pk: found.get(key, (Package.Kind.H5P, False, None)) for pk, key in keys.items()}

    return tree_cached_many("package-rules", {activity_id}, load).get(
        activity_id, (Package.Kind.H5P, False, None)
    )


def fold_package(summary: ActivityProgress, event: EventIn, ctx: FoldContext) -> None:
    fold_default(summary, event, ctx)
    if event.verb == Verb.COMPLETED:
        resume = summary.resume_point if isinstance(summary.resume_point, dict) else {}
        resume["reported_completed"] = True
        summary.resume_point = resume


def completes_package(summary: ActivityProgress, verb: str, payload: dict) -> bool:
    kind, scored, percent = _rules(summary.activity_id)
    if kind != Package.Kind.H5P:
        # SCORM content says itself when it is completed (and passed or failed).
        resume = summary.resume_point if isinstance(summary.resume_point, dict) else {}
        if not resume.get("reported_completed") or summary.passed is False:
            return False
    if not scored:
        return True
    if summary.score is None or not summary.max_score:
        return False
    if percent is not None:
        return summary.score / summary.max_score * 100 >= percent - 1e-9
    if summary.passed is False:
        return False
    return True


def package_evidence(summary: ActivityProgress, activity: Activity, ctx: FoldContext) -> str | None:
    if summary.opened_at is None:
        return _("Hãy mở bài tập tương tác trên trang bài học.")
    if (ctx.at - summary.opened_at).total_seconds() < min_seconds():
        return _("Hãy làm bài tập tương tác thêm một chút rồi mới hoàn thành.")
    return None


def describe_package(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    lessons = lessons_holding(activities)
    entries = {}
    for activity in activities:
        lesson = lessons.get(activity.pk)
        entries[activity.pk] = OutlineEntry(
            title=activity.title,
            url=f"{lesson.get_url()}#package-{activity.pk}" if lesson else "",
            icon="package",
        )
    return entries


def register() -> None:
    register_kind(
        ActivityKind(
            name=PACKAGE,
            label="Bài tập tương tác",
            verbs=frozenset({Verb.VIEWED, Verb.PROGRESSED, Verb.SCORED, Verb.COMPLETED}),
            fold=fold_package,
            completes=completes_package,
            evidence=package_evidence,
            describe=describe_package,
        )
    )

"""The registry of activity kinds.

Every source of learning signals registers a kind here: which verbs it may report and
when a summary counts as complete. Quizzes, live sessions and content packages plug in
by registering their kind from their own app; the event store, the summaries and the
completion rules stay as they are.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .models import ActivityProgress, Verb


def completes_on_completed_verb(progress: ActivityProgress, verb: str, payload: dict) -> bool:
    return verb == Verb.COMPLETED


def completes_when_passed(progress: ActivityProgress, verb: str, payload: dict) -> bool:
    return verb == Verb.COMPLETED or bool(progress.passed)


@dataclass(frozen=True)
class ActivityKind:
    name: str
    label: str
    verbs: frozenset[str]
    # Decides, after an event has been applied to the summary, whether it is complete.
    completes: Callable[[ActivityProgress, str, dict], bool] = field(
        default=completes_on_completed_verb
    )


_registry: dict[str, ActivityKind] = {}


def register_kind(kind: ActivityKind) -> None:
    unknown = kind.verbs - set(Verb.values)
    if unknown:
        raise ValueError(f"Activity kind {kind.name!r} names unknown verbs: {sorted(unknown)}")
    _registry[kind.name] = kind


def get_kind(name: str) -> ActivityKind | None:
    return _registry.get(name)


LESSON = "lesson"
MEDIA = "media"

register_kind(
    ActivityKind(
        name=LESSON,
        label="Bài học",
        verbs=frozenset({Verb.VIEWED, Verb.PROGRESSED, Verb.COMPLETED}),
    )
)
# Video and audio watch segments: "progressed" carries the watched seconds and position.
register_kind(
    ActivityKind(
        name=MEDIA,
        label="Video/âm thanh",
        verbs=frozenset({Verb.VIEWED, Verb.PROGRESSED, Verb.COMPLETED}),
    )
)

"""One enrolment's events in time and the summaries they fold into.

The events are played through the course's lessons in order (viewed, a few
"progressed" each claiming the seconds since the previous event, completed), then the
revisits; each is folded as courses.activity_kinds.fold_default folds it (credited
time never more than the time that passed since the floor or the last credit, a lesson
complete only once served and open for the course's minimum), so that the summaries,
the course progress and the rollups see what the pipeline would have made of the same
events.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.reports.population import DAY, Pair

MAX_SECONDS_PER_EVENT = 300  # courses.activity_kinds.MAX_SECONDS_PER_EVENT


@dataclass
class Summary:
    """A learner x lesson summary, folded as courses.activity_kinds.fold_default does."""

    opened_at: float | None = None
    first_seen: float | None = None
    last_seen: float | None = None
    credited_until: float | None = None
    seconds: int = 0
    status: int = 0
    completed_at: float | None = None


@dataclass
class Played:
    """What one enrolment recorded."""

    # (occurred_at, received_at, lesson index, verb, claimed seconds or None)
    events: list[tuple] = field(default_factory=list)
    summaries: dict[int, Summary] = field(default_factory=dict)
    required_done: int = 0
    completed_at: float | None = None
    last_event: tuple | None = None


def _steps(pair: Pair, rng: random.Random) -> Iterator[tuple[int, str, bool]]:
    """(lesson index, verb, starts a new session) for the enrolment's events."""
    left = pair.main
    lessons = pair.course.lessons
    for index, lesson in enumerate(lessons):
        plan = ["viewed", *["progressed"] * lesson.progressed, "completed"]
        for k, verb in enumerate(plan):
            if left == 0:
                break
            left -= 1
            yield index, verb, k == 0 and (index == 0 or rng.random() < 0.6)
        if left == 0:
            break
    seen = min(len(lessons) - 1, _lessons_started(pair) - 1)
    for _ in range(pair.extra):
        yield rng.randint(0, max(seen, 0)), "progressed", True


def _lessons_started(pair: Pair) -> int:
    left, started = pair.main, 0
    for lesson in pair.course.lessons:
        if left <= 0:
            break
        started += 1
        left -= 2 + lesson.progressed
    return started


def play(pair: Pair, rng: random.Random, now: float) -> Played:
    """The enrolment's events in time, and the summaries they fold into."""
    played = Played()
    steps = list(_steps(pair, rng))
    if not steps:
        return played
    sessions = sum(1 for s in steps if s[2])
    start = pair.enrolled_at + min(rng.expovariate(1 / DAY), (now - pair.enrolled_at) / 4)
    room = max(now - 3600 - start, 60.0)
    mean_gap = min(7 * DAY, room / (sessions + 1))
    gaps = []
    inner = 0.0
    for _index, verb, new_session in steps:
        if new_session:
            gaps.append((True, rng.expovariate(1 / mean_gap) if gaps else 0.0))
        else:
            gap = rng.uniform(30, 240) if verb == "progressed" else rng.uniform(10, 90)
            gaps.append((False, gap))
            inner += gap
    sessions_total = sum(g for s, g in gaps if s)
    squeeze = 1.0
    if sessions_total and start + inner + sessions_total > now - 3600:
        squeeze = max(0.0, (now - 3600 - start - inner) / sessions_total)
    course = pair.course
    summaries = played.summaries
    t = start
    for (index, verb, new_session), (is_session, gap) in zip(steps, gaps, strict=True):
        t += gap * squeeze if is_session else gap
        if new_session and verb == "progressed":
            # A revisit: the page was open for this long before it reported.
            t += rng.uniform(30, 240)
        received = t + (rng.expovariate(1 / 21600) if rng.random() < 0.03 else rng.uniform(0.5, 30))
        received = min(received, now)
        at = min(t, received)
        summary = summaries.get(index)
        if summary is None:
            summary = summaries[index] = Summary()
        claimed = None
        if verb == "viewed" and summary.opened_at is None:
            summary.opened_at = at  # the server served the page
        summary.first_seen = at if summary.first_seen is None else min(summary.first_seen, at)
        summary.last_seen = at if summary.last_seen is None else max(summary.last_seen, at)
        if verb == "progressed":
            claimed = int(gap if not new_session else rng.uniform(30, 240))
            floor = max(pair.enrolled_at, summary.opened_at or pair.enrolled_at)
            since = max(floor, summary.credited_until or floor)
            credit = int(min(claimed, MAX_SECONDS_PER_EVENT, max(at - since, 0)))
            summary.seconds += credit
            if summary.credited_until is None or at > summary.credited_until:
                summary.credited_until = at
        summary.status = max(summary.status, 10)
        if (
            verb == "completed"
            and summary.status != 20
            and summary.opened_at is not None
            and received - summary.opened_at >= course.min_seconds
        ):
            summary.status = 20
            summary.completed_at = at
            if course.lessons[index].required:
                played.required_done += 1
                if played.required_done == course.required_total:
                    played.completed_at = received
        played.events.append((at, received, index, verb, claimed))
        if played.last_event is None or at >= played.last_event[0]:
            played.last_event = (at, index)
    return played


def percent(done: int, total: int) -> int:
    """courses.completion.CourseState.percent with every weight 1."""
    return round(100 * done / total) if total else 0

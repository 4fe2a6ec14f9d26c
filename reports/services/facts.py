"""An enrolment's contribution to the rollups, computed from the pipeline's summaries.

Everything here is read in bulk for a set of enrolments, so that a worker folding a
few hundred changed enrolments and a rebuild folding all of them run the same code.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, F, FloatField, Func, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from courses.models import ActivityProgress, Enrolment, ProgressEvent
from live.kind import LIVE

from ..dimensions import ETHNIC_NOT_STATED, age_band, month_of
from ..models import MEASURES

Pair = tuple[int, int]  # learner id, course id
MAX_CLAIM_SECONDS = 86400
I_ENROLLED, I_ACTIVE, I_COMPLETED, I_PASSED, I_CERTIFIED, I_ATTENDED, I_SECONDS, I_LIVE = range(
    len(MEASURES)
)


@dataclass
class Fact:
    learner_id: int
    course_id: int
    unit_id: int
    recorded_unit_id: int
    ethnic_group_id: int
    sex: str
    age_band: str
    category: str
    cohort_id: int | None = None
    # Month -> the measures, in MEASURES order; months where all are zero are left out.
    months: dict[date, list[int]] = field(default_factory=dict)

    @property
    def pair(self) -> Pair:
        return (self.learner_id, self.course_id)

    def dims(self) -> tuple:
        return (
            self.course_id,
            self.unit_id,
            self.recorded_unit_id,
            self.ethnic_group_id,
            self.sex,
            self.age_band,
            self.category,
        )

    def add(self, month: date, index: int, amount: int = 1) -> None:
        if amount:
            self.months.setdefault(month, [0] * len(MEASURES))[index] += amount


def allocate(total: int, weights: dict[date, float], fallback: date) -> dict[date, int]:
    """Split ``total`` seconds over months in proportion to ``weights`` (the seconds the
    learner claimed in each month; what was credited may be less), whole seconds that
    add up exactly (largest remainder, earlier month first on ties)."""
    positive = {m: w for m, w in weights.items() if w > 0}
    if total <= 0:
        return {}
    if not positive:
        return {fallback: total}
    weight_sum = sum(positive.values())
    shares = {m: total * w / weight_sum for m, w in positive.items()}
    whole = {m: int(s) for m, s in shares.items()}
    left = total - sum(whole.values())
    for month in sorted(shares, key=lambda m: (-(shares[m] - whole[m]), m))[:left]:
        whole[month] += 1
    return {m: s for m, s in whole.items() if s}


class ClaimedSeconds(Func):
    """The seconds a progressed or attended event claims: its payload's ``seconds`` when
    that is a number, within 0 to a day (payloads are the client's, unchecked)."""

    output_field = FloatField()

    def __init__(self):
        super().__init__("payload", "verb")

    def _sql(self, compiler, connection, template):
        payload, payload_params = compiler.compile(self.source_expressions[0])
        verb, verb_params = compiler.compile(self.source_expressions[1])
        sql = template.format(payload=payload, verb=verb, cap=MAX_CLAIM_SECONDS)
        return sql, (*verb_params, *payload_params, *payload_params)

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(
            compiler,
            connection,
            "CASE WHEN {verb} IN ('progressed', 'attended') "
            "AND jsonb_typeof({payload} -> 'seconds') = 'number' "
            "THEN LEAST(GREATEST(({payload} ->> 'seconds')::float8, 0), {cap}) ELSE 0 END",
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(
            compiler,
            connection,
            "CASE WHEN {verb} IN ('progressed', 'attended') "
            "AND json_type({payload}, '$.seconds') IN ('integer', 'real') "
            "THEN MIN(MAX(json_extract({payload}, '$.seconds'), 0), {cap}) ELSE 0 END",
        )


def facts_compute(
    *, pairs: Iterable[Pair] | None = None, learner_range: tuple[int, int] | None = None
) -> dict[Pair, Fact]:
    """The facts of the given enrolments (or of every learner in an id range).

    A pair without an active enrolment of a learner with a profile contributes nothing
    and is absent from the answer.
    """
    wanted: set[Pair] | None = None
    if pairs is not None:
        wanted = set(pairs)
        if not wanted:
            return {}
        scope: dict[str, object] = {
            "learner_id__in": {p[0] for p in wanted},
            "course_id__in": {p[1] for p in wanted},
        }
        summary_scope = {
            "learner_id__in": scope["learner_id__in"],
            "activity__course_id__in": scope["course_id__in"],
        }
    elif learner_range is not None:
        scope = {"learner_id__gte": learner_range[0], "learner_id__lte": learner_range[1]}
        summary_scope = scope
    else:
        raise ValueError("pairs or learner_range")

    facts: dict[Pair, Fact] = {}
    enrolments = (
        Enrolment.objects.filter(
            status=Enrolment.Status.ACTIVE, learner__learner_profile__isnull=False, **scope
        )
        .annotate(
            unit=F("learner__learner_profile__unit_id"),
            current_unit=Coalesce(
                "learner__learner_profile__unit__current_unit_id",
                "learner__learner_profile__unit_id",
            ),
            ethnic=F("learner__learner_profile__ethnic_group_id"),
            sex=F("learner__learner_profile__sex"),
            birth_year=F("learner__learner_profile__birth_year"),
            category=F("learner__learner_profile__category"),
            completed_at=F("progress__completed_at"),
            certified_at=F("certificate__issued_at"),
            revoked_at=F("certificate__revoked_at"),
        )
        .values_list(
            "learner_id",
            "course_id",
            "cohort_id",
            "enrolled_at",
            "unit",
            "current_unit",
            "ethnic",
            "sex",
            "birth_year",
            "category",
            "completed_at",
            "certified_at",
            "revoked_at",
        )
    )
    completed: dict[Pair, date] = {}
    for row in enrolments.iterator(chunk_size=2000):
        (learner_id, course_id, cohort_id, enrolled_at, unit, current_unit, ethnic, sex) = row[:8]
        birth_year, category, completed_at, certified_at, revoked_at = row[8:]
        pair = (learner_id, course_id)
        if wanted is not None and pair not in wanted:
            continue
        fact = Fact(
            learner_id=learner_id,
            course_id=course_id,
            unit_id=current_unit,
            recorded_unit_id=unit,
            ethnic_group_id=ethnic or ETHNIC_NOT_STATED,
            sex=sex,
            age_band=age_band(birth_year, month_of(enrolled_at)),
            category=category,
            cohort_id=cohort_id,
        )
        fact.add(month_of(enrolled_at), I_ENROLLED)
        if completed_at is not None:
            completed[pair] = month_of(completed_at)
            fact.add(completed[pair], I_COMPLETED)
        if certified_at is not None and revoked_at is None:
            fact.add(month_of(certified_at), I_CERTIFIED)
        facts[pair] = fact
    if not facts:
        return facts

    # Summaries: credited time, graded results, the last time worked on.
    seconds: dict[tuple[Pair, bool], int] = defaultdict(int)
    last_seen: dict[tuple[Pair, bool], date] = {}
    graded: dict[Pair, list[bool]] = defaultdict(list)
    summaries = ActivityProgress.objects.filter(**summary_scope).values_list(
        "learner_id",
        "activity__course_id",
        "activity__kind",
        "passed",
        "seconds_spent",
        "last_seen_at",
    )
    for learner_id, course_id, kind, passed, spent, seen in summaries.iterator(chunk_size=5000):
        pair = (learner_id, course_id)
        if pair not in facts:
            continue
        key = (pair, kind == LIVE)
        seconds[key] += spent
        if seen is not None:
            last_seen[key] = max(last_seen.get(key, month_of(seen)), month_of(seen))
        if passed is not None:
            graded[pair].append(passed)
    for pair, results in graded.items():
        if pair in completed and all(results):
            facts[pair].add(completed[pair], I_PASSED)

    # Events, counted by month in the database: active months, claimed time, attendance.
    claimed: dict[tuple[Pair, bool], dict[date, float]] = defaultdict(dict)
    counted: dict[tuple[Pair, bool], dict[date, float]] = defaultdict(dict)
    live_months: dict[Pair, list[date]] = defaultdict(list)
    active_months: dict[Pair, set[date]] = defaultdict(set)
    events = (
        ProgressEvent.objects.filter(**summary_scope)
        .annotate(
            course=F("activity__course_id"),
            live=Case(When(activity__kind=LIVE, then=Value(True)), default=Value(False)),
            month=TruncMonth("occurred_at"),
        )
        .values("learner_id", "course", "live", "month")
        .annotate(n=Count("id"), claimed=Sum(ClaimedSeconds()))
        .values_list("learner_id", "course", "live", "month", "n", "claimed")
    )
    for learner_id, course_id, live, month, count, claim in events.iterator(chunk_size=5000):
        pair = (learner_id, course_id)
        if pair not in facts:
            continue
        month = month_of(month)
        active_months[pair].add(month)
        key = (pair, bool(live))
        claimed[key][month] = claimed[key].get(month, 0) + (claim or 0)
        counted[key][month] = counted[key].get(month, 0) + count
        if live:
            live_months[pair].append(month)
    for pair, fact in facts.items():
        for month in active_months.get(pair, ()):
            fact.add(month, I_ACTIVE)
        if live_months.get(pair):
            fact.add(min(live_months[pair]), I_ATTENDED)
        enrolled_month = min(fact.months)
        for live, index in ((False, I_SECONDS), (True, I_LIVE)):
            key = (pair, live)
            fallback = last_seen.get(key, enrolled_month)
            # Attendance reports intervals, not seconds: its events weigh one each.
            weights = claimed.get(key, {})
            if not any(weights.values()):
                weights = counted.get(key, {})
            for month, share in allocate(seconds[key], weights, fallback).items():
                fact.add(month, index, share)
    return facts

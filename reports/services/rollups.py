"""Keeping the rollups equal to the sum of the enrolments' facts.

Incrementally: a changed enrolment is queued (``enrolments_mark_dirty``); a worker
(``rollups_drain``) claims queued enrolments, recomputes their facts and adds the
difference to the cells in one statement of atomic increments. Two workers never hold
the same enrolment (claimed rows are locked and skipped), and increments commute, so
concurrent streams lose no update and the order events arrive in does not matter.

From scratch: ``rollups_rebuild`` recomputes every fact and sums the cells in the
database; ``rollups_check`` says whether what the increments built equals that.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Max, Min

from courses.models import Enrolment

from ..models import (
    ANY_CODE,
    ANY_ID,
    MEASURES,
    DirtyEnrolment,
    EnrolmentFact,
    FactMonth,
    Grain,
    Rollup,
    RollupsVersion,
)
from .facts import Fact, Pair, facts_compute

DRAIN_BATCH = 500
REBUILD_LEARNERS_PER_CHUNK = 2000
KEY_COLUMNS = (
    "grain",
    "month",
    "course_id",
    "unit_id",
    "recorded_unit_id",
    "ethnic_group_id",
    "sex",
    "age_band",
    "category",
)
# Which of a fact's dimensions each grain keeps (the others hold ANY_ID / ANY_CODE).
GRAIN_KEEPS = {
    Grain.FULL: frozenset(KEY_COLUMNS),
    Grain.COURSE_UNIT: frozenset({"course_id", "unit_id"}),
    Grain.UNIT_PEOPLE: frozenset({"unit_id", "ethnic_group_id", "sex"}),
}
DIM_COLUMNS = KEY_COLUMNS[2:]
CODE_COLUMNS = frozenset({"sex", "age_band", "category"})


def enrolments_mark_dirty(pairs: Iterable[Pair]) -> int:
    """Queue learner x course pairs for the next drain; a pair already queued stays one."""
    rows = [DirtyEnrolment(learner_id=learner, course_id=course) for learner, course in pairs]
    DirtyEnrolment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def learner_mark_dirty(learner_id: int) -> int:
    """Every course of a learner whose profile (unit, group, sex...) changed."""
    courses = set(
        Enrolment.objects.filter(learner_id=learner_id).values_list("course_id", flat=True)
    )
    courses |= set(
        EnrolmentFact.objects.filter(learner_id=learner_id).values_list("course_id", flat=True)
    )
    return enrolments_mark_dirty((learner_id, course) for course in courses)


def _cell_keys(dims: tuple, month: date) -> Iterator[tuple]:
    named = dict(zip(DIM_COLUMNS, dims, strict=True))
    for grain, keeps in GRAIN_KEEPS.items():
        yield (
            int(grain),
            month,
            *(
                named[c] if c in keeps else (ANY_CODE if c in CODE_COLUMNS else ANY_ID)
                for c in DIM_COLUMNS
            ),
        )


def _add_fact(deltas: dict[tuple, list[int]], fact: Fact, sign: int) -> None:
    dims = fact.dims()
    for month, values in fact.months.items():
        for key in _cell_keys(dims, month):
            cell = deltas[key]
            for i, value in enumerate(values):
                cell[i] += sign * value


def _cells_add(deltas: dict[tuple, list[int]]) -> None:
    """Add the deltas to their cells: one upsert of increments, in key order so that two
    workers touching the same cells lock them in the same order."""
    rows = sorted((key, values) for key, values in deltas.items() if any(values))
    if not rows:
        return
    table = Rollup._meta.db_table
    columns = (*KEY_COLUMNS, *MEASURES)
    width = len(columns)
    per_statement = max(1, (connection.features.max_query_params or 30000) // width)
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            params = [v for key, values in chunk for v in (*key, *values)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} "
                f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}",
                params,
            )


def _stored_facts(pairs: set[Pair], *, lock: bool) -> dict[Pair, tuple[int, Fact]]:
    rows = EnrolmentFact.objects.filter(
        learner_id__in={p[0] for p in pairs}, course_id__in={p[1] for p in pairs}
    )
    if lock:
        rows = rows.select_for_update()
    found: dict[Pair, tuple[int, Fact]] = {}
    for row in rows:
        pair = (row.learner_id, row.course_id)
        if pair in pairs:
            found[pair] = (
                row.pk,
                Fact(
                    learner_id=row.learner_id,
                    course_id=row.course_id,
                    unit_id=row.unit_id,
                    recorded_unit_id=row.recorded_unit_id,
                    ethnic_group_id=row.ethnic_group_id,
                    sex=row.sex,
                    age_band=row.age_band,
                    category=row.category,
                    cohort_id=row.cohort_id,
                ),
            )
    by_id = {pk: fact for pk, fact in found.values()}
    for month in FactMonth.objects.filter(fact_id__in=by_id):
        by_id[month.fact_id].months[month.month] = [getattr(month, m) for m in MEASURES]
    return found


def _fact_row(fact: Fact, pk: int | None = None) -> EnrolmentFact:
    return EnrolmentFact(
        pk=pk,
        learner_id=fact.learner_id,
        course_id=fact.course_id,
        unit_id=fact.unit_id,
        recorded_unit_id=fact.recorded_unit_id,
        ethnic_group_id=fact.ethnic_group_id,
        sex=fact.sex,
        age_band=fact.age_band,
        category=fact.category,
        cohort_id=fact.cohort_id,
    )


def _month_rows(fact_id: int, fact: Fact) -> list[FactMonth]:
    return [
        FactMonth(fact_id=fact_id, month=month, **dict(zip(MEASURES, values, strict=True)))
        for month, values in fact.months.items()
    ]


def _same(a: Fact, b: Fact) -> bool:
    return a.dims() == b.dims() and a.cohort_id == b.cohort_id and a.months == b.months


@dataclass
class DrainResult:
    claimed: int = 0
    changed: int = 0


def rollups_drain(*, limit: int = DRAIN_BATCH) -> DrainResult:
    """Fold up to ``limit`` queued enrolments into the rollups, in one transaction."""
    result = DrainResult()
    with transaction.atomic():
        claimed = list(
            DirtyEnrolment.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "learner_id", "course_id")[:limit]
        )
        if not claimed:
            return result
        DirtyEnrolment.objects.filter(id__in=[row[0] for row in claimed]).delete()
        pairs = {(learner, course) for _id, learner, course in claimed}
        result.claimed = len(pairs)
        # Stored facts are locked before the summaries are read, so a rebuild running
        # meanwhile is waited for and the difference is taken against what it wrote.
        stored = _stored_facts(pairs, lock=True)
        fresh = facts_compute(pairs=pairs)
        deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
        gone: list[int] = []
        renewed: list[int] = []
        months: list[FactMonth] = []
        for pair in pairs:
            pk, old = stored.get(pair, (None, None))
            new = fresh.get(pair)
            if old is not None and new is not None and _same(old, new):
                continue
            result.changed += 1
            if old is not None:
                _add_fact(deltas, old, -1)
            if new is not None:
                _add_fact(deltas, new, +1)
            if new is None:
                if pk is not None:
                    gone.append(pk)
            elif pk is None:
                row = _fact_row(new)
                row.save()
                months += _month_rows(row.pk, new)
            else:
                _fact_row(new, pk).save(force_update=True)
                renewed.append(pk)
                months += _month_rows(pk, new)
        EnrolmentFact.objects.filter(pk__in=gone).delete()
        FactMonth.objects.filter(fact_id__in=renewed).delete()
        FactMonth.objects.bulk_create(months)
        _cells_add(deltas)
        if result.changed:
            rollups_version_bump()
    return result


def rollups_version_bump() -> None:
    """Cached reports keyed on the old number are not read again."""
    if not RollupsVersion.objects.filter(pk=1).update(number=F("number") + 1):
        RollupsVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def rollups_drain_all(*, limit: int = DRAIN_BATCH) -> int:
    """Drain until the queue is empty (what was queued meanwhile included)."""
    total = 0
    while batch := rollups_drain(limit=limit).claimed:
        total += batch
    return total


def _aggregate_sql(grain: Grain) -> str:
    keeps = GRAIN_KEEPS[grain]
    dims = [
        f"f.{c}" if c in keeps else ("'*'" if c in CODE_COLUMNS else str(ANY_ID))
        for c in DIM_COLUMNS
    ]
    kept = [d for d in dims if d.startswith("f.")]
    sums = ", ".join(f"SUM(m.{m})" for m in MEASURES)
    return (
        f"SELECT {int(grain)}, m.month, {', '.join(dims)}, {sums} "
        f"FROM {FactMonth._meta.db_table} m "
        f"JOIN {EnrolmentFact._meta.db_table} f ON f.id = m.fact_id "
        f"GROUP BY m.month{''.join(', ' + d for d in kept)}"
    )


def _facts_sum_sql() -> str:
    return " UNION ALL ".join(_aggregate_sql(g) for g in GRAIN_KEEPS)


def _learner_ranges(chunk: int, *models) -> Iterator[tuple[int, int]]:
    """Consecutive learner id ranges covering every row of ``models``."""
    lows, highs = [], []
    for model in models:
        bounds = model.objects.aggregate(low=Min("learner_id"), high=Max("learner_id"))
        if bounds["low"] is not None:
            lows.append(bounds["low"])
            highs.append(bounds["high"])
    if not lows:
        return
    for start in range(min(lows), max(highs) + 1, chunk):
        yield (start, start + chunk - 1)


@dataclass
class RebuildResult:
    facts: int = 0
    cells: int = 0


def rollups_rebuild(*, chunk: int = REBUILD_LEARNERS_PER_CHUNK, on_progress=None) -> RebuildResult:
    """Recompute every fact from the summaries and sum the cells again, in one transaction.

    Only the facts table is locked: drains wait for the rebuild and then apply their
    difference against what it wrote, while the queue stays open to the requests that
    mark changes (a pair queued meanwhile is folded again afterwards, at no cost when
    nothing changed).
    """
    result = RebuildResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {EnrolmentFact._meta.db_table} IN EXCLUSIVE MODE")
        FactMonth.objects.all().delete()
        EnrolmentFact.objects.all().delete()
        Rollup.objects.all().delete()
        for low, high in _learner_ranges(chunk, Enrolment):
            facts = facts_compute(learner_range=(low, high))
            rows = EnrolmentFact.objects.bulk_create([_fact_row(f) for f in facts.values()])
            FactMonth.objects.bulk_create(
                [
                    m
                    for row, fact in zip(rows, facts.values(), strict=True)
                    for m in _month_rows(row.pk, fact)
                ],
                batch_size=5000,
            )
            result.facts += len(rows)
            if on_progress:
                on_progress(high)
        columns = ", ".join((*KEY_COLUMNS, *MEASURES))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {Rollup._meta.db_table} ({columns}) {_facts_sum_sql()}")
            if connection.vendor == "postgresql":
                # The tables were rewritten: without fresh statistics the planner takes
                # them for empty and every drain reads all of FactMonth.
                for model in (EnrolmentFact, FactMonth, Rollup):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
        result.cells = Rollup.objects.count()
        rollups_version_bump()
    return result


@dataclass
class CheckResult:
    queued: int = 0
    facts_checked: int = 0
    facts_differing: list[Pair] = field(default_factory=list)
    cells_missing: int = 0
    cells_extra: int = 0

    @property
    def equal(self) -> bool:
        return not (self.queued or self.facts_differing or self.cells_missing or self.cells_extra)


def rollups_check(
    *, chunk: int = REBUILD_LEARNERS_PER_CHUNK, limit_examples: int = 20
) -> CheckResult:
    """Does what the increments built equal a rebuild? Writes nothing.

    Every stored fact is compared with the fact recomputed from the summaries, and every
    cell with the sum of the stored facts under it (cells at zero count as absent).
    """
    result = CheckResult(queued=DirtyEnrolment.objects.count())
    for low, high in _learner_ranges(chunk, Enrolment, EnrolmentFact):
        fresh = facts_compute(learner_range=(low, high))
        stored_pairs = set(
            EnrolmentFact.objects.filter(learner_id__gte=low, learner_id__lte=high).values_list(
                "learner_id", "course_id"
            )
        )
        todo = set(fresh) | stored_pairs
        stored = _stored_facts(todo, lock=False) if todo else {}
        for pair in todo:
            result.facts_checked += 1
            old = stored.get(pair, (None, None))[1]
            new = fresh.get(pair)
            if (old is None) != (new is None) or (old and new and not _same(old, new)):
                if len(result.facts_differing) < limit_examples:
                    result.facts_differing.append(pair)
    nonzero = " OR ".join(f"{m} <> 0" for m in MEASURES)
    cells = (
        f"SELECT {', '.join((*KEY_COLUMNS, *MEASURES))} FROM {Rollup._meta.db_table} "
        f"WHERE {nonzero}"
    )
    summed = f"SELECT * FROM ({_facts_sum_sql()}) s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({summed} EXCEPT {cells}) d")
        result.cells_missing = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM ({cells} EXCEPT {summed}) d")
        result.cells_extra = cursor.fetchone()[0]
    return result

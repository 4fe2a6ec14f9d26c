"""The benchmark's steps that run inside Django, each in a process of its own with the
bench's settings, writing its figures as JSON (``--out``):

* ``rebuild``: ``rollups_rebuild()`` timed, with the time split between computing the
  facts and summing the cells;
* ``check``: ``rollups_check()`` timed, with every count it gives;
* ``explain``: the SQL one drain of ``--pairs`` queued enrolments and one rebuild chunk
  send, each statement timed and explained (EXPLAIN ANALYZE, BUFFERS) inside a
  transaction that is rolled back, so that a slow plan can be shown, not guessed;
* ``people``: sessions for a sample of the learners of the busiest course, and the
  managers (province and unit scope) with theirs; see bench.reports.people.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

import django


def rebuild() -> dict:
    from reports.models import DirtyEnrolment, EnrolmentFact, FactMonth, Rollup
    from reports.services.rollups import rollups_rebuild

    queued = DirtyEnrolment.objects.count()
    chunks: list[float] = []
    started = time.monotonic()

    def on_progress(_high: int) -> None:
        chunks.append(time.monotonic())

    result = rollups_rebuild(on_progress=on_progress)
    ended = time.monotonic()
    facts_s = (chunks[-1] - started) if chunks else 0.0
    return {
        "seconds": round(ended - started, 2),
        "facts_seconds": round(facts_s, 2),
        "cells_seconds": round(ended - (chunks[-1] if chunks else started), 2),
        "chunks": len(chunks),
        "facts": result.facts,
        "cells": result.cells,
        "cells_in_table": Rollup.objects.count(),
        "queued_before": queued,
        "tables": [m._meta.db_table for m in (EnrolmentFact, FactMonth, Rollup, DirtyEnrolment)],
    }


def check() -> dict:
    from reports.services.rollups import rollups_check

    started = time.monotonic()
    result = rollups_check()
    return {
        "seconds": round(time.monotonic() - started, 2),
        "equal": result.equal,
        "queued": result.queued,
        "facts_checked": result.facts_checked,
        "facts_differing": len(result.facts_differing),
        "facts_differing_examples": [list(p) for p in result.facts_differing],
        "cells_missing": result.cells_missing,
        "cells_extra": result.cells_extra,
    }


# A server-side cursor (QuerySet.iterator) is captured as its DECLARE; its query is
# what is explained, and its time is the plan's, not the DECLARE's.
DECLARE = re.compile(r'^\s*DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR\s+(?:WITH(?:OUT)? HOLD\s+)?FOR\s+')
EXECUTION = re.compile(r"Execution Time: ([0-9.]+) ms")


def explained(queries: list[dict], top: int) -> list[dict]:
    """Each captured read run again under EXPLAIN ANALYZE, slowest first; plan lines
    are cut at 300 characters (the IN lists of a drain run to thousands)."""
    from django.db import DatabaseError, connection, transaction

    out = []
    for q in queries:
        sql = DECLARE.sub("", q["sql"])
        entry: dict = {"captured_seconds": float(q["time"]), "sql": sql[:1500]}
        if sql.lstrip().upper().startswith("SELECT"):
            try:
                # Rolled back: a SELECT ... FOR UPDATE explained takes its locks too.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = [row[0] for row in cursor.fetchall()]
                    transaction.set_rollback(True)
            except DatabaseError as error:
                plan = [f"(not explained: {error})"]
            entry["plan"] = [line[:300] for line in plan]
            found = EXECUTION.search(plan[-1]) if plan else None
            entry["execution_ms"] = float(found.group(1)) if found else None
        out.append(entry)
    out.sort(key=lambda e: -(e.get("execution_ms") or 1000 * e["captured_seconds"]))
    return out[:top]


def explain(pairs: int, top: int = 6) -> dict:
    """One drain of ``pairs`` enrolments and one rebuild chunk, rolled back."""
    import random

    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from courses.models import Enrolment
    from reports.services.facts import facts_compute
    from reports.services.rollups import (
        REBUILD_LEARNERS_PER_CHUNK,
        enrolments_mark_dirty,
        rollups_drain,
    )

    # Pairs of the busiest course, as the load changes them (bench.reports.people).
    busiest = (
        Enrolment.objects.filter(status="active")
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by("-n", "course_id")
        .first()
    )
    ids = list(
        Enrolment.objects.filter(status="active", course_id=busiest["course_id"]).values_list(
            "learner_id", "course_id"
        )
    )
    sample = random.Random(7).sample(ids, min(pairs, len(ids)))
    out: dict = {}
    with transaction.atomic():
        enrolments_mark_dirty(sample)
        with CaptureQueriesContext(connection) as drain_queries:
            started = time.monotonic()
            result = rollups_drain(limit=pairs)
            drain_s = time.monotonic() - started
        out["drain"] = {
            "pairs": result.claimed,
            "changed": result.changed,
            "seconds": round(drain_s, 3),
            "queries": len(drain_queries.captured_queries),
            "slowest": explained(drain_queries.captured_queries, top),
        }
        transaction.set_rollback(True)
    low = Enrolment.objects.order_by("learner_id").values_list("learner_id", flat=True).first() or 0
    with transaction.atomic():
        with CaptureQueriesContext(connection) as chunk_queries:
            started = time.monotonic()
            facts = facts_compute(learner_range=(low, low + REBUILD_LEARNERS_PER_CHUNK - 1))
            chunk_s = time.monotonic() - started
        out["rebuild_chunk"] = {
            "learners": REBUILD_LEARNERS_PER_CHUNK,
            "facts": len(facts),
            "seconds": round(chunk_s, 3),
            "queries": len(chunk_queries.captured_queries),
            "slowest": explained(chunk_queries.captured_queries, top),
        }
        transaction.set_rollback(True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports.inprocess")
    parser.add_argument("step", choices=("rebuild", "check", "explain", "people"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=500, help="explain: pairs in the drain")
    parser.add_argument("--learners", type=int, default=2000, help="people: learner sessions")
    parser.add_argument("--managers", type=int, default=20, help="people: managers of each scope")
    args = parser.parse_args(argv)
    django.setup()
    if args.step == "rebuild":
        figures = rebuild()
    elif args.step == "check":
        figures = check()
    elif args.step == "explain":
        figures = explain(args.pairs)
    else:
        from bench.reports.people import people

        figures = people(args.learners, args.managers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

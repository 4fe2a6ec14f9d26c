"""The incremental rollups under the event endpoint's load.

A Celery worker (one process, ``-P solo``: the smallest deployment's) drains the
queue of changed enrolments as the product schedules it (``reports.receivers``: a
drain queued a second after a change). wrk posts batches of 10 events
(bench/lua/events.lua) as the sampled learners; every request changes one
(learner, course) pair, which the endpoint queues in ``DirtyEnrolment``. Once a second
a thread of this process reads the queue's length and the age of its oldest pair
from PostgreSQL, during the load and after it until the queue is empty. The worker's
log gives every drain's end, duration and pairs folded.

The criterion for "keeps up" (all three must hold):

1. lag: the oldest queued pair is never older than ``LAG_MAX_S`` in the load's last
   third (a drain starts a second after a change and folds what is queued; a worker
   that falls behind lets the oldest pair's age grow with the run);
2. no growth: the queue's mean length in the load's last third is at most
   ``GROWTH_FACTOR`` x the middle third's plus ``GROWTH_SLACK`` pairs (noise: the
   queue fills and empties with each drain);
3. catch-up: the queue is empty within ``EMPTY_MAX_S`` of the load's end.

The queue holds each pair once, so it can never exceed the learners sampled; there
must be more of them than a drain cycle's worth of requests for growth to show
(``--event-learners``, 2,000 by default, against some 100-200 requests a second).
"""

import re
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.reports import WORK_REPORTS
from bench.reports.wrkrun import combine, wrk
from bench.runner import VENV_BIN, BenchError, say
from bench.runner.servers import Server
from bench.traffic import http_request, progress_events_body

LAG_MAX_S = 10.0
GROWTH_FACTOR = 1.5
GROWTH_SLACK = 20
EMPTY_MAX_S = 10.0

LOG_TIME = "%Y-%m-%d %H:%M:%S,%f"
READY_LINE = re.compile(r"^\[(?P<at>[\d-]+ [\d:,]+): \w+/[^\]]*\] \S+ ready\.", re.MULTILINE)
DRAIN_LINE = re.compile(
    r"^\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/[^\]]*\] "
    r"Task (?P<task>[\w.]+)\[[^\]]+\] succeeded in (?P<s>[0-9.e-]+)s: (?P<n>\S+)"
)


def start_worker(env: dict, log: Path) -> tuple[Server, float]:
    """``celery -A config worker`` as production starts it, one process (solo pool),
    and the offset of its log's clock from UTC (seconds): the worker logs in the
    product's time zone (CELERY_TIMEZONE), read here from when its "ready" line came."""
    argv = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-P",
        "solo",
        "-l",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        "reports-bench@%h",
    ]
    log.unlink(missing_ok=True)
    # Celery runs Django's system checks as the worker starts (the whole URLconf, the
    # admin's viewsets): start-up work that measures nothing here, and that would stop
    # the rollups' measurement over a check failing in an unrelated app.
    worker = Server("celery worker", argv, env, log)
    started = time.monotonic()
    while time.monotonic() - started < 90:
        if not worker.alive():
            raise BenchError(f"the Celery worker exited; see {log}")
        text = log.read_text(errors="replace") if log.exists() else ""
        found = READY_LINE.search(text)
        if found:
            logged = datetime.strptime(found["at"], LOG_TIME).replace(tzinfo=UTC).timestamp()
            return worker, round((logged - time.time()) / 900) * 900
        time.sleep(0.3)
    worker.stop()
    raise BenchError(f"the Celery worker was not ready after 90 s; see {log}")


def worker_tasks(log: Path, offset: float) -> list[dict]:
    """Every task the worker's log says succeeded: its end (epoch), duration, result."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        found = DRAIN_LINE.match(line)
        if not found:
            continue
        at = datetime.strptime(found["at"], LOG_TIME).replace(tzinfo=UTC).timestamp() - offset
        result = found["n"]
        out.append(
            {
                "task": found["task"],
                "ended": at,
                "seconds": float(found["s"]),
                "result": int(result) if result.isdigit() else result,
            }
        )
    return out


class QueueSampler(threading.Thread):
    """The queue's length and its oldest pair's age (s), once a second; and which
    statements of the bench's database were waiting for a lock at that moment (the
    endpoint's queueing insert waits on a drain that holds the same pair, say)."""

    def __init__(self, db_url: str, table: str, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.db_url, self.table, self.every = db_url, table, every
        self.samples: list[tuple[float, int, float]] = []
        self.lock_waits: list[tuple[float, list[str]]] = []
        self._halt = threading.Event()

    def read(self, conn) -> tuple[float, int, float]:
        count, age = conn.execute(
            "SELECT count(*), EXTRACT(EPOCH FROM clock_timestamp() - min(marked_at)) "
            f'FROM "{self.table}"'
        ).fetchone()
        at = time.time()
        waiting = conn.execute(
            "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock'"
        ).fetchall()
        self.lock_waits.append((at, [row[0] for row in waiting]))
        return at, count, float(age or 0.0)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            next_at = time.monotonic()
            while not self._halt.is_set():
                self.samples.append(self.read(conn))
                next_at += self.every
                self._halt.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def latest(self) -> tuple[float, int, float] | None:
        return self.samples[-1] if self.samples else None


def wait_empty(
    sampler: QueueSampler, since: float, timeout: float, hold: float = 3.0
) -> float | None:
    """Seconds after ``since`` from which the queue was seen empty and stayed empty for
    ``hold`` seconds (requests still in flight when wrk stopped, and the drain they
    schedule, come first), or None after ``timeout``."""
    deadline = time.time() + timeout + hold
    while time.time() < deadline:
        samples = [s for s in sampler.samples if s[0] >= since]
        start = None
        for at, count, _age in samples:
            if count:
                start = None
            elif start is None:
                start = at
        if start is not None and samples[-1][0] - start >= hold:
            return start - since
        time.sleep(0.2)
    return None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def lock_summary(lock_waits: list, started: float, ended: float) -> dict:
    """How often, during the load, statements waited for a lock, and which."""
    during = [names for at, names in lock_waits if started <= at <= ended]
    by_statement: dict[str, int] = {}
    for names in during:
        for name in names:
            by_statement[name] = by_statement.get(name, 0) + 1
    return {
        "samples": len(during),
        "samples_with_waiters": sum(1 for names in during if names),
        "max_waiters": max((len(names) for names in during), default=0),
        "by_statement": dict(sorted(by_statement.items(), key=lambda kv: -kv[1])[:8]),
    }


def figures(load: dict, samples: list, tasks: list[dict], empty_after: float | None) -> dict:
    """The figures of one load, and the verdict of the criterion in the docstring."""
    started, ended = load["started_at"], load["ended_at"]
    span = ended - started
    rel = [(at - started, count, age) for at, count, age in samples]
    during = [s for s in rel if 0 <= s[0] <= span]
    thirds = [[s for s in during if k * span / 3 <= s[0] < (k + 1) * span / 3] for k in range(3)]
    thirds[2] += [s for s in during if s[0] >= span]

    def nearest(t: float) -> int | None:
        return min(during, key=lambda s: abs(s[0] - t))[1] if during else None

    window_end = ended + (empty_after if empty_after is not None else 0.0)
    drains = [
        t
        for t in tasks
        if t["task"] == "reports.tasks.rollups_drain_task"
        and started <= t["ended"] <= window_end + 1.0
    ]
    busy = sum(
        min(t["ended"], window_end) - max(t["ended"] - t["seconds"], started) for t in drains
    )
    folded = sum(t["result"] for t in drains if isinstance(t["result"], int))
    window = max(window_end - started, 1e-9)
    means = [_mean([float(s[1]) for s in third]) for third in thirds]
    max_age_last = max((s[2] for s in thirds[2]), default=None)
    ok_requests = load["status"]["2xx"]
    seconds = load["seconds"]
    lag_ok = max_age_last is not None and max_age_last <= LAG_MAX_S
    growth_ok = (
        means[1] is not None
        and means[2] is not None
        and means[2] <= GROWTH_FACTOR * means[1] + GROWTH_SLACK
    )
    empty_ok = empty_after is not None and empty_after <= EMPTY_MAX_S
    stored = load["stored"]
    return {
        "load_seconds": round(seconds, 1),
        "requests_per_s": round(ok_requests / seconds, 1),
        "events_per_s": round(10 * ok_requests / seconds, 1),
        "events_stored": stored,
        "queue": {
            "at_start": nearest(0.0),
            "at_middle": nearest(span / 2),
            "at_end": nearest(span),
            "mean_by_third": means,
            "max": max((s[1] for s in during), default=None),
            "max_age_s_last_third": round(max_age_last, 1) if max_age_last is not None else None,
            "max_age_s": round(max((s[2] for s in during), default=0.0), 1),
            "empty_after_load_s": round(empty_after, 1) if empty_after is not None else None,
        },
        "drains": {
            "count": len(drains),
            "pairs_folded": folded,
            "pairs_per_s": round(folded / window, 1),
            "busy_fraction": round(busy / window, 2),
            "pairs_per_busy_s": round(folded / busy, 1) if busy > 0 else None,
            "longest_s": round(max((t["seconds"] for t in drains), default=0.0), 2),
        },
        # Events whose effect reached the rollups, per second, counting the tail the
        # worker needed after the load.
        "events_absorbed_per_s": round(stored / (span + (empty_after or 0.0)), 1)
        if empty_after is not None
        else None,
        "criterion": {
            "lag_ok": lag_ok,
            "growth_ok": growth_ok,
            "empty_ok": empty_ok,
            "keeps_up": lag_ok and growth_ok and empty_ok,
        },
        "samples": [[round(t, 2), c, round(a, 2)] for t, c, a in rel],
    }


def sanity_drain(base: str, who: dict, activities: list[str], sampler: QueueSampler) -> dict:
    """One batch must be stored, and the queue it adds to drained by the worker."""
    cookie = f"sessionid={who['sessionid']}; csrftoken={who['csrftoken']}"
    status, _headers, body = http_request(
        base + "/api/progress/events",
        "POST",
        {"Cookie": cookie, "X-CSRFToken": who["csrftoken"], "Content-Type": "application/json"},
        progress_events_body(activities).encode(),
    )
    if status != 200 or b'"stored": 10' not in body.replace(b'"stored":10', b'"stored": 10'):
        raise BenchError(f"progress events: HTTP {status}, {body[:300]!r}; expected 10 stored")
    posted = time.time()
    empty = wait_empty(sampler, posted + 0.5, 60)
    if empty is None:
        raise BenchError("the queue of changed enrolments was not drained within 60 s")
    return {"events_status": status, "queue_empty_after_s": round(empty + 0.5, 1)}


def incremental_phase(
    args, env: dict, base: str, people: dict, tables: dict, servers: list[Server]
) -> dict:
    """The load and its figures. The worker is added to ``servers`` (stopped by the
    caller whatever happens) and stopped here once the queue stays empty."""
    say("Celery worker (solo pool) for the rollups")
    log = WORK_REPORTS / "celery-worker.log"
    worker, log_offset = start_worker(env, log)
    servers.append(worker)
    sampler = QueueSampler(args.db_url, tables["dirty"])
    sampler.start()
    try:
        sanity = sanity_drain(base, people["learners"][0], people["activities"], sampler)
        print(
            f"sanity: a batch of 10 events stored, its enrolment folded within "
            f"{sanity['queue_empty_after_s']} s",
            flush=True,
        )
        say(
            f"wrk: progress events, {args.event_connections} connections, {args.duration} s, "
            f"{len(people['learners'])} learners of “{people['course']['title']}”"
        )
        load = wrk(
            "events",
            base + "/api/progress/events",
            "events.lua",
            sessions=WORK_REPORTS / "events-sessions.txt",
            activities=WORK_REPORTS / "activities.txt",
            connections=args.event_connections,
            threads=2,
            duration=args.duration,
            quiet_wait=args.quiet_wait,
        )
        empty_after = wait_empty(sampler, load["ended_at"], args.drain_timeout)
        time.sleep(1.5)  # the last drain's line in the log
    finally:
        sampler.stop()
    worker.stop()
    servers.remove(worker)
    combined = combine([load])
    combined["started_at"], combined["ended_at"] = load["started_at"], load["ended_at"]
    tasks = worker_tasks(log, log_offset)
    out = figures(combined, sampler.samples, tasks, empty_after)
    out["sanity"] = sanity
    out["wrk"] = {k: v for k, v in combined.items() if k not in ("wrk_output",)}
    out["wrk_output"] = combined["wrk_output"]
    out["lock_waits"] = lock_summary(sampler.lock_waits, load["started_at"], load["ended_at"])
    out["other_tasks"] = sorted({t["task"] for t in tasks} - {"reports.tasks.rollups_drain_task"})
    out["verify"] = events_verify(args.db_url, tables["events"], load["started_at"], out)
    return out


def events_verify(db_url: str, table: str, since: float, out: dict) -> dict:
    """The events the load added, counted in the database, against what the server said
    it stored (rows may exceed it by the batches in flight when wrk stopped counting)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            f'SELECT count(*) FROM "{table}" WHERE received_at >= to_timestamp(%s)', (since,)
        ).fetchone()[0]
    stored = out["events_stored"]
    return {"rows_in_db": rows, "stored_reported_by_server": stored, "ok": rows >= stored > 0}

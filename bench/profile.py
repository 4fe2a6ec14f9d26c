"""Where a request's time goes: run in-process with the bench settings, no server.

``python -m bench.profile [--requests N] [--top K]`` (bench/run sets the environment and
runs it after seeding) sends the three measured requests through Django's test client,
with the production middleware stack, the bench database and Redis:

* the lesson page GET, the bare view GET, and a POST of 10 progress events;
* for each: SQL queries per request (with their text), Redis commands per request,
  the mean in-process time per request split into time waiting on PostgreSQL, on
  Redis and the rest (Python), and the top functions of a cProfile over N requests, by
  own time and by cumulative time.

It writes profile.json to the bench work folder and prints a short summary.
"""

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import pstats
import sys
import time
from pathlib import Path

import django

from bench.traffic import progress_events_body

HOST = "127.0.0.1"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    work = Path(settings.BENCH_WORK_DIR)
    seed = json.loads((work / "seed.json").read_text("utf-8"))
    sessions = seed["sessions"]
    activities = seed["activities"]
    batches = itertools.count()  # successive batches move on through the activities
    # One client (one handler, middleware loaded once, as in a server process); each
    # request carries only its learner's cookies.
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)

    def client_for(who: dict) -> Client:
        client.cookies.clear()
        client.cookies[settings.SESSION_COOKIE_NAME] = who["sessionid"]
        client.cookies[settings.CSRF_COOKIE_NAME] = who["csrftoken"]
        return client

    def lesson(who):
        return client_for(who).get(seed["lesson"]["url"])

    def bare(who):
        return client_for(who).get("/bench/bare/")

    def events(who):
        return client_for(who).post(
            "/api/progress/events",
            progress_events_body(activities, first=10 * next(batches)),
            content_type="application/json",
            headers={"X-CSRFToken": who["csrftoken"]},
        )

    probe = _Probe()
    report = {}
    for name, call, expected in (
        ("lesson", lesson, 200),
        ("bare", bare, 200),
        ("events", events, 200),
    ):
        # Warm up (caches, template loader, connection pool) with a few learners.
        for who in sessions[:3]:
            response = call(who)
            if response.status_code != expected:
                print(f"profile: {name} answered {response.status_code}", file=sys.stderr)
                return 1
        # One request, every SQL statement and Redis command recorded.
        with probe.recording(connection):
            response = call(sessions[5 % len(sessions)])
        if response.status_code != expected:
            print(f"profile: {name} answered {response.status_code}", file=sys.stderr)
            return 1
        one = probe.snapshot()
        # Mean time over many learners, and how much of it waits on PostgreSQL and Redis.
        learners = [sessions[i % len(sessions)] for i in range(args.requests)]
        with probe.recording(connection):
            started = time.perf_counter()
            for who in learners:
                call(who)
            total = time.perf_counter() - started
        many = probe.snapshot()
        profiler = cProfile.Profile()
        profiler.enable()
        for who in learners:
            call(who)
        profiler.disable()
        per = 1000 / len(learners)
        report[name] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": len(one["sql"]),
            "sql": [q[:400] for q in one["sql"]],
            "redis_commands": len(one["redis"]),
            "redis": one["redis"],
            "in_process_ms": round(total * per, 2),
            "sql_ms": round(many["sql_seconds"] * per, 2),
            "redis_ms": round(many["redis_seconds"] * per, 2),
            "python_ms": round((total - many["sql_seconds"] - many["redis_seconds"]) * per, 2),
            "top_tottime": _top(profiler, "tottime", args.top, len(learners)),
            "top_cumulative": _top(profiler, "cumulative", args.top, len(learners)),
            # The product's own functions: where its time goes, callee time included.
            "top_product_cumulative": _top(
                profiler, "cumulative", args.top, len(learners), product_only=True
            ),
        }
    (work / "profile.json").write_text(json.dumps(report, indent=1), "utf-8")
    for name, data in report.items():
        print(
            f"profile: {name:7} {data['queries']:2} SQL queries, {data['redis_commands']:2} Redis "
            f"commands; {data['in_process_ms']:.1f} ms per request in-process = SQL "
            f"{data['sql_ms']:.1f} + Redis {data['redis_ms']:.1f} + Python {data['python_ms']:.1f}"
        )
    return 0


class _Probe:
    """Records SQL statements (execute wrapper) and Redis commands (redis-py client)."""

    def __init__(self):
        self.sql, self.redis = [], []
        self.sql_seconds = self.redis_seconds = 0.0

    def snapshot(self) -> dict:
        data = {
            "sql": self.sql,
            "redis": self.redis,
            "sql_seconds": self.sql_seconds,
            "redis_seconds": self.redis_seconds,
        }
        self.sql, self.redis = [], []
        self.sql_seconds = self.redis_seconds = 0.0
        return data

    def _sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql_seconds += time.perf_counter() - started
            self.sql.append(sql)

    @contextlib.contextmanager
    def recording(self, connection):
        from redis.client import Redis

        original = Redis.execute_command
        probe = self

        def execute_command(client, *args, **options):
            started = time.perf_counter()
            try:
                return original(client, *args, **options)
            finally:
                probe.redis_seconds += time.perf_counter() - started
                key = args[1] if len(args) > 1 else ""
                if isinstance(key, bytes):
                    key = key.decode("utf-8", "replace")
                probe.redis.append(f"{args[0] if args else '?'} {key}".strip())

        Redis.execute_command = execute_command
        try:
            with connection.execute_wrapper(self._sql):
                yield
        finally:
            Redis.execute_command = original


ROOT = Path(__file__).resolve().parent.parent


def _in_product(filename: str) -> bool:
    """The product's own code: the repository, not its environment nor the bench."""
    path = Path(filename)
    return (
        path.is_relative_to(ROOT)
        and not path.is_relative_to(ROOT / ".venv")
        and not path.is_relative_to(ROOT / "bench")
    )


def _top(
    profiler: cProfile.Profile, key: str, count: int, requests: int, product_only=False
) -> list[dict]:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    stats.sort_stats(key)
    rows = []
    functions = stats.fcn_list
    if product_only:
        functions = [f for f in functions if _in_product(f[0])]
    for func in functions[:count]:
        cc, nc, tt, ct, _callers = stats.stats[func]
        filename, line, name = func
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls_per_request": round(nc / requests, 1),
                "own_ms_per_request": round(1000 * tt / requests, 3),
                "cum_ms_per_request": round(1000 * ct / requests, 3),
            }
        )
    return rows


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    path = Path(filename)
    if path.is_absolute() and path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    parts = path.parts
    return "/".join(parts[-2:]) if len(parts) > 1 else filename


if __name__ == "__main__":
    sys.exit(main())

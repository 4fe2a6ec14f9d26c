"""bench/run-reports' options and the run from start to end: data, rebuild, servers,
the incremental rollups under load, the check, the dashboard, the report."""

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.reports import WORK_REPORTS
from bench.reports.dashboard import dashboard_phase
from bench.reports.environment import reports_environment
from bench.reports.incremental import incremental_phase
from bench.reports.options import parse_args
from bench.reports.report import BARS, print_table, verdict, write_results
from bench.reports.servers import start_gunicorn
from bench.runner import PYTHON, ROOT, BenchError, say
from bench.runner.cpu import SERVICES
from bench.runner.prepare import flush_redis, reset_database
from bench.runner.report import machine_info
from bench.runner.servers import Server, free_port, start_redis, wait_ready


def generated_file(db_url: str) -> Path:
    """What the generator made in that database (one file per database, so that a small
    one made for a try leaves the full one reusable)."""
    return WORK_REPORTS / f"generated-{urlsplit(db_url).path.lstrip('/')}.json"


def step(module: str, args: list[str], env: dict, what: str) -> None:
    """``python -m bench.reports.<module>`` in the bench's environment, output shown."""
    done = subprocess.run([str(PYTHON), "-m", f"bench.reports.{module}", *args], cwd=ROOT, env=env)
    if done.returncode != 0:
        raise BenchError(f"{what} failed (exit {done.returncode})")


def inprocess(name: str, env: dict, *extra: str) -> dict:
    out = WORK_REPORTS / f"{name}.json"
    out.unlink(missing_ok=True)
    step("inprocess", [name, "--out", str(out), *extra], env, name)
    return json.loads(out.read_text("utf-8"))


def static_fresh(static_root) -> bool:
    """Whether the collected files are newer than every static source of the project."""
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return False
    stamp = manifest.stat().st_mtime
    for folder in [ROOT / "static_build", ROOT / "static", *ROOT.glob("*/static")]:
        if ".venv" in folder.parts or "node_modules" in folder.parts or not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_mtime > stamp:
                return False
    return True


def collectstatic(env: dict) -> subprocess.Popen | None:
    if static_fresh(WORK_REPORTS / "static"):
        return None
    return subprocess.Popen(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(collecting: subprocess.Popen | None) -> None:
    if collecting is None:
        return
    output, _ = collecting.communicate(timeout=900)
    if collecting.returncode != 0:
        raise BenchError(f"collectstatic failed:\n{output}")


def migrate(env: dict) -> float:
    """The product's migrations; on a reused database, those added since it was made."""
    begun = time.monotonic()
    done = subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env
    )
    if done.returncode != 0:
        raise BenchError("migrate failed")
    return round(time.monotonic() - begun, 1)


def reusable(db_url: str) -> dict:
    import psycopg

    summary = generated_file(db_url)
    if not summary.exists():
        raise BenchError(f"--reuse: no {summary.relative_to(ROOT)}; run once without --reuse")
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            learners = conn.execute(
                "SELECT count(*) FROM auth_user WHERE username LIKE 'hv%%'"
            ).fetchone()[0]
    except psycopg.Error as error:
        raise BenchError(f"--reuse: cannot read {db_url}: {error}") from None
    generated = json.loads(summary.read_text("utf-8"))
    if learners != generated["learners"]:
        raise BenchError(
            f"--reuse: the database has {learners} generated learners, "
            f"{summary.name} says {generated['learners']}; run without --reuse"
        )
    return generated


def analyze(db_url: str, tables: list[str]) -> dict:
    """Statistics for the tables the rebuild rewrote, as autovacuum gathers them a
    minute or so after such a change (and never where it is off, as on test machines).
    Without them a drain's plans take the rebuilt tables for empty: it read the whole
    of FactMonth for every batch."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
        begun = time.monotonic()
        for table in tables:
            conn.execute(f'ANALYZE "{table}"')
    return {
        "autovacuum": autovacuum,
        "tables": tables,
        "seconds": round(time.monotonic() - begun, 1),
    }


def exclusive() -> object:
    """One run at a time: two would drop each other's database and share its files."""
    import fcntl

    lock = (WORK_REPORTS / "run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BenchError("another bench/run-reports is running here") from None
    return lock


def provenance() -> dict:
    def git(*argv: str) -> str:
        try:
            done = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True)
            return done.stdout.strip()
        except OSError:
            return ""

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "reports_changed_files": len(git("status", "--porcelain", "--", "reports").splitlines()),
    }


def generated_only(report: dict, started: float) -> int:
    gen = report["generated"]
    print(
        f"\nGenerated in {report['generation_seconds']:,.0f} s (migrate "
        f"{report['migrate_seconds']:,.0f} s before it): {gen['learners']:,} learners, "
        f"{gen['enrolments']:,} enrolments, {gen['events']:,} events, "
        f"{gen['summaries']:,} summaries; steps: "
        + ", ".join(f"{k} {v:g} s" for k, v in gen["steps_s"].items())
        + f"\nMeasure it with bench/run-reports --reuse ({time.monotonic() - started:,.0f} s in all)"
    )
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    started = time.monotonic()
    WORK_REPORTS.mkdir(parents=True, exist_ok=True)
    lock = exclusive()  # noqa: F841 - held until the process ends
    for old in WORK_REPORTS.glob("*.log"):
        old.unlink()
    env = reports_environment(args.db_url)
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(
            tools={"wrk": ["wrk", "-v"], "postgres": ["psql", "--version"]},
            packages=("Django", "wagtail", "celery", "gunicorn", "psycopg"),
        ),
        "product": provenance(),
        "config": {
            "reuse": args.reuse,
            "asked": {"learners": args.learners, "events": args.events, "courses": args.courses},
            "duration_s": args.duration,
            "event_connections": args.event_connections,
            "event_learners": args.event_learners,
            "connections": args.connections,
            "dashboard_duration_s": args.dashboard_duration,
            "slices": args.slices,
            "background_connections": args.background_connections,
            "workers": args.workers,
            "settings": "config.settings.production (via bench.settings)",
            "server": "gunicorn, sync workers, no nginx",
            "rollups_worker": "celery worker -P solo (one process)",
            "database": urlsplit(args.db_url).path.lstrip("/"),
        },
        "bars": BARS,
    }
    servers: list[Server] = []
    try:
        if args.redis_url:
            flush_redis(args.redis_url)
            env["REDIS_URL"] = args.redis_url
            SERVICES["redis-server"] = "redis"
        else:
            redis_server, env["REDIS_URL"] = start_redis(WORK_REPORTS)
            servers.append(redis_server)
            say(f"private redis-server at {env['REDIS_URL']}")

        if args.reuse:
            say("reuse the generated database (migrated to the code's migrations first)")
            report["generated"] = reusable(args.db_url)
            collecting = collectstatic(env)
            try:
                migrate(env)
            except BenchError:
                raise BenchError(
                    "migrate failed on the reused database (were migrations it has applied "
                    "rewritten since?): run without --reuse to generate it again"
                ) from None
            finish(collecting)
        else:
            reset_database(args.db_url)
            say("migrate (and collectstatic alongside)")
            collecting = collectstatic(env)
            report["migrate_seconds"] = migrate(env)
            finish(collecting)
            say(f"generate {args.learners:,} learners and {args.events:,} events")
            begun = time.monotonic()
            step(
                "generate",
                [
                    "--learners",
                    str(args.learners),
                    "--events",
                    str(args.events),
                    "--courses",
                    str(args.courses),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(generated_file(args.db_url)),
                ],
                env,
                "generating",
            )
            report["generation_seconds"] = round(time.monotonic() - begun, 1)
            # Publishing the courses queued a recount of each one's enrolments (none
            # then; the loaded ones are consistent already): stale work that would hold
            # the rollups' worker for minutes before its first drain.
            flush_redis(env["REDIS_URL"])
            report["generated"] = json.loads(generated_file(args.db_url).read_text("utf-8"))

        if args.generate_only:
            return generated_only(report, started)
        say("rollups_rebuild() from scratch")
        report["rebuild"] = inprocess("rebuild", env)
        rb = report["rebuild"]
        print(
            f"rebuild: {rb['seconds']} s ({rb['facts']:,} facts, {rb['cells']:,} cells)", flush=True
        )
        report["analyze"] = analyze(args.db_url, rb["tables"])
        if args.explain:
            say("explain one drain and one rebuild chunk")
            report["explain"] = inprocess("explain", env)
        say("sessions for learners and managers")
        people = inprocess(
            "people",
            env,
            "--learners",
            str(args.event_learners),
            "--managers",
            str(args.connections),
        )
        report["people"] = {
            k: (len(v) if k in ("learners", "province_managers", "unit_managers") else v)
            for k, v in people.items()
        }

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        say(f"gunicorn with {args.workers} sync workers")
        gunicorn = start_gunicorn(args.workers, port, env)
        servers.append(gunicorn)
        ready = wait_ready(base, gunicorn)
        print(f"ready in {ready:.1f} s: {' '.join(gunicorn.argv[1:])}", flush=True)

        report["incremental"] = incremental_phase(
            args, env, base, people, people["tables"], servers
        )
        say("rollups_check() after the queue emptied")
        report["check"] = inprocess("check", env)
        report["dashboard"] = dashboard_phase(args, env, base, people, servers)
    finally:
        for server in reversed(servers):
            server.stop()

    report["verdict"] = verdict(report)
    report["seconds"] = round(time.monotonic() - started)
    latest = write_results(report)
    print_table(report)
    print(f"\nFull results: {latest.relative_to(ROOT)} ({report['seconds']} s in all)")
    sys.stdout.flush()
    if args.enforce and not all(v["ok"] for v in report["verdict"].values()):
        return 3
    return 0

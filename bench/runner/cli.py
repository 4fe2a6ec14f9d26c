"""bench/run's options and the run from start to end: data and profile, then for each
worker count the servers, the sanity checks and the load; the report last."""

import argparse
import json
import os
import secrets
import shutil
import time
from datetime import UTC, datetime

import bench.runner
from bench.runner import RESULTS, ROOT, WORK, BenchError, prepare, say
from bench.runner.cpu import SERVICES
from bench.runner.load import measure
from bench.runner.quiz import quiz_phase
from bench.runner.report import (
    BARS,
    machine_info,
    print_table,
    quiz_goals,
    quiz_verdict,
    verdict,
    write_results,
)
from bench.runner.sanity import sanity
from bench.runner.servers import (
    Server,
    free_port,
    run_bench_module,
    start_gunicorn,
    start_nginx,
    start_redis,
    wait_ready,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description=bench.runner.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (primary)")
    parser.add_argument(
        "--extra-workers",
        default="3,4",
        help="other worker counts to measure too, comma-separated; '' for none",
    )
    parser.add_argument(
        "--no-nginx",
        action="store_true",
        help="send the load straight to gunicorn even if nginx is installed",
    )
    parser.add_argument("--no-pageweight", action="store_true")
    parser.add_argument(
        "--no-quiz", action="store_true", help="skip the exam-start spike (see bench/README.md)"
    )
    parser.add_argument(
        "--quiz-learners",
        type=int,
        default=300,
        help="learners starting the quiz at once (the larger of this and --learners is seeded)",
    )
    parser.add_argument(
        "--quiz-think",
        type=float,
        default=0,
        help="mean seconds a learner takes before each answer of the spike; default 0: "
        "back to back, the most the server can take (what the autosave bar compares)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="recycle each gunicorn worker after this many requests (+10%% jitter); the "
        "production image uses 20000 with a jitter of 5000. Default 0: never, for steady-state figures",
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=3,
        help="run the lesson page and the bare view in this many alternating parts of "
        "the duration, so that a disturbance on the machine falls on both alike",
    )
    parser.add_argument("--profile-requests", type=int, default=100)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20,
        help="before each wrk run, wait up to this many seconds for other "
        "processes on the machine to stop using the CPU",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_bench"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="use this Redis database (flushed first) instead of a private "
        "redis-server started for the run",
    )
    parser.add_argument(
        "--enforce", action="store_true", help="exit with status 3 when a bar is missed"
    )
    return parser.parse_args()


def bench_environment(db_url: str, behind_nginx: bool) -> dict:
    """Production's environment, with plain HTTP on loopback and the bench's folders."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
            "DATABASE_URL": db_url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(WORK / "static"),
            "LMS_VAR_DIR": str(WORK / "var"),
            "MEDIA_ROOT": str(WORK / "var" / "media"),
            "PRIVATE_ROOT": str(WORK / "var" / "private"),
            "BENCH_WORK_DIR": str(WORK),
            "AXES_BEHIND_PROXY": "true" if behind_nginx else "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DEBUG", None)
    return env


def pageweight(base: str, seed: dict, env: dict) -> dict:
    who = seed["sessions"][2 % len(seed["sessions"])]
    out = WORK / "pageweight.json"
    run_bench_module(
        "pageweight",
        [
            "--base",
            base,
            "--path",
            seed["lesson"]["url"],
            "--session",
            who["sessionid"],
            "--out",
            str(out),
        ],
        env,
        "page weight",
    )
    return json.loads(out.read_text("utf-8"))


def main() -> int:
    args = parse_args()
    extra = [int(x) for x in args.extra_workers.replace(" ", "").split(",") if x]
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    nginx_bin = None if args.no_nginx else shutil.which("nginx")

    started = time.monotonic()
    WORK.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    for old in WORK.glob("*.log"):
        old.unlink()
    env = bench_environment(args.db_url, behind_nginx=bool(nginx_bin))

    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {
            "learners": args.learners,
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "workers": args.workers,
            "extra_workers": extra,
            "slices": args.slices,
            "gunicorn_max_requests": args.max_requests,
            "settings": "config.settings.production (via bench.settings)",
            "nginx": bool(nginx_bin),
            "quiz_learners": None if args.no_quiz else args.quiz_learners,
            "quiz_think_s": None if args.no_quiz else args.quiz_think,
        },
        "bars": BARS,
    }
    servers: list[Server] = []
    try:
        prepare.reset_database(args.db_url)
        if args.redis_url:
            prepare.flush_redis(args.redis_url)
            env["REDIS_URL"] = args.redis_url
            SERVICES["redis-server"] = "redis"
        else:
            redis_server, env["REDIS_URL"] = start_redis()
            servers.append(redis_server)
            say(f"private redis-server at {env['REDIS_URL']}")
        report["config"]["redis"] = "private redis-server" if not args.redis_url else "shared"
        prepare.migrate_and_collectstatic(env)
        seed = prepare.seed(args.learners, 0 if args.no_quiz else args.quiz_learners, env)
        report["seed"] = {k: v for k, v in seed.items() if k != "sessions"}
        report["profile"] = prepare.profile(args.profile_requests, env)

        gunicorn_port = free_port()
        gunicorn_base = f"http://127.0.0.1:{gunicorn_port}"
        base = gunicorn_base
        if nginx_bin:
            nginx_port = free_port()
            base = f"http://127.0.0.1:{nginx_port}"
            nginx_server = start_nginx(nginx_bin, nginx_port, gunicorn_port, env)
            servers.append(nginx_server)
        else:
            print(
                "nginx: not installed (apt-get install -y nginx) or --no-nginx: the load "
                "goes straight to gunicorn and page weight is measured without nginx's "
                "compression (gzip sizes are computed instead)",
                flush=True,
            )
        report["config"]["target"] = "nginx -> gunicorn" if nginx_bin else "gunicorn"

        runs = {}
        for index, workers in enumerate([args.workers, *extra]):
            config = f"w{workers}"
            say(f"gunicorn with {workers} sync workers")
            gunicorn = start_gunicorn(workers, gunicorn_port, env, args.max_requests)
            servers.append(gunicorn)
            try:
                ready = wait_ready(gunicorn_base, gunicorn)
                if nginx_bin:
                    wait_ready(base, nginx_server)
                print(f"ready in {ready:.1f} s: {' '.join(gunicorn.argv[1:])}", flush=True)
                checks = sanity(base, seed)
                print(
                    f"sanity: lesson 200 ({checks['lesson']['bytes']} B), anonymous 302, "
                    f"bare 200 ({checks['bare']['bytes']} B), events 200 (stored 10), "
                    "events without CSRF 403",
                    flush=True,
                )
                result = {
                    "workers": workers,
                    "gunicorn": " ".join(gunicorn.argv[1:]),
                    "sanity": checks,
                }
                result.update(measure(config, base, seed, args, gzip=True))
                if index == 0 and not args.no_pageweight:
                    say("page weight in Chromium")
                    report["pageweight"] = pageweight(base, seed, env)
                runs[config] = result
            finally:
                gunicorn.stop()
                servers.remove(gunicorn)
        report["runs"] = runs
        if not args.no_quiz:
            report["quiz"] = quiz_phase(
                args, env, seed, base, gunicorn_port, nginx_server if nginx_bin else None
            )
    finally:
        for server in reversed(servers):
            server.stop()

    report["primary"] = f"w{args.workers}"
    report["verdict"] = verdict(report["runs"][report["primary"]])
    if "quiz" in report:
        report["verdict"].update(quiz_verdict(report["quiz"]))
        report["goals"] = quiz_goals(report["quiz"])
    report["seconds"] = round(time.monotonic() - started)
    latest = write_results(report)
    print_table(report)
    print(f"\nFull results: {latest.relative_to(ROOT)} ({report['seconds']} s in all)")
    if args.enforce and not all(v["pass"] for v in report["verdict"].values()):
        return 3
    return 0

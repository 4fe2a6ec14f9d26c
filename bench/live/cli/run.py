"""The run from start to end: data, Redis, the server, the sanity checks, the two
phases, and the report."""

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bench.live import WORK_LIVE
from bench.live.cli.environment import HOST, SETTINGS, live_environment, raise_open_files
from bench.live.cli.options import parse_args
from bench.live.cli.provenance import machine_info, product_version
from bench.live.cli.sanity import sanity
from bench.live.cli.services import wait_listening
from bench.live.load import ServerProbe, relay_phase, room_phase, server_quiet
from bench.live.report import BARS, print_table, profile_summary, summary, verdict, write_results
from bench.runner import PYTHON, RESULTS, ROOT, BenchError, say
from bench.runner.cpu import DISTURBED_PCT, SERVICES, wait_quiet
from bench.runner.prepare import flush_redis, reset_database
from bench.runner.servers import Server, free_port, run, run_bench_module, start_redis

PROFILE = WORK_LIVE / "profile.jsonl"


async def measure(args, seed: dict, env: dict, server: Server, port: int) -> dict:
    ws_base = f"ws://{HOST}:{port}"
    origin = f"http://{HOST}:{port}"
    say("sanity checks")
    checks = await sanity(seed, ws_base, origin, args.deflate)
    print(
        f"sanity: refused anonymous {checks['anonymous']}, outsider {checks['outsider']}, "
        f"another site's page {checks['other_origin']}; the learner heard the host; "
        "the relay echoed",
        flush=True,
    )
    await server_quiet(server.proc.pid)
    probe = ServerProbe(server.proc.pid, PROFILE if args.profile else None)
    quiet = {"room": await quiet_machine(args.quiet_wait)}
    room = await room_phase(args, seed, ws_base, origin, probe, env, WORK_LIVE)
    quiet["relay"] = await quiet_machine(args.quiet_wait)
    relay = await relay_phase(args, seed, ws_base, origin, probe, env, WORK_LIVE)
    return {
        "sanity": checks,
        "quiet_wait": quiet,
        "room": room,
        "relay": relay,
        "server_cpu_by_phase": probe.phases,
    }


async def quiet_machine(limit: float) -> dict:
    """Wait (at most ``limit`` seconds) for other processes to leave the CPU alone, as
    bench/run does before each measurement."""
    other, waited = await asyncio.to_thread(wait_quiet, limit)
    if other >= DISTURBED_PCT:
        print(
            f"warning: other processes still use {other}% of a core after {waited} s: "
            "the figures will be lower than the product's",
            flush=True,
        )
    return {"other_pct": other, "waited_s": waited}


def exclusive() -> object:
    """One run at a time: two would share the database, the Redis folder and the logs,
    and each would drop the other's data in the middle of its measurement."""
    import fcntl

    lock = (WORK_LIVE / "run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BenchError("another bench/run-live is running here; wait for it to end") from None
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    WORK_LIVE.mkdir(parents=True, exist_ok=True)
    lock = exclusive()  # noqa: F841 - held until the process ends
    RESULTS.mkdir(exist_ok=True)
    for old in WORK_LIVE.glob("*.log"):
        old.unlink()
    # STATIC_ROOT: nothing is served from it, but WhiteNoise warns when it is missing.
    (WORK_LIVE / "static").mkdir(exist_ok=True)
    open_files = raise_open_files(2 * args.learners + 512)
    env = live_environment(args.db_url)
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {
            "learners": args.learners,
            "messages": args.messages,
            "rate_per_s": args.rate,
            "client_procs": args.client_procs,
            "vote_within_s": args.vote_within,
            "join_over_s": args.join_over,
            "drain_s": args.drain,
            "deflate": args.deflate,
            "settings": SETTINGS,
            "server": "uvicorn, one process, config/serve.py's options, bench.live.asgi",
            "database": urlsplit(args.db_url).path.lstrip("/"),
            "open_files": open_files,
            "profiled": args.profile,
        },
        "bars": BARS,
    }
    servers: list[Server] = []
    try:
        reset_database(args.db_url)
        if args.redis_url:
            flush_redis(args.redis_url)
            env["REDIS_URL"] = args.redis_url
            SERVICES["redis-server"] = "redis"
        else:
            redis_server, env["REDIS_URL"] = start_redis(WORK_LIVE)
            servers.append(redis_server)
            say(f"private redis-server at {env['REDIS_URL']}")
        report["config"]["redis"] = "shared" if args.redis_url else "private redis-server"
        say("migrate")
        run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
        say(f"seed {args.learners} learners and a live session")
        seed_file = WORK_LIVE / "seed.json"
        run_bench_module(
            "live.seed", ["--learners", str(args.learners), "--out", str(seed_file)], env, "seeding"
        )
        seed = json.loads(seed_file.read_text("utf-8"))
        report["seed"] = {
            "session_id": seed["session_id"],
            "course": seed["course"],
            "host": seed["host"]["username"],
            "seconds": seed["seconds"],
        }

        port = args.port or free_port()
        server_env = {**env, "LMS_ADDR": f"{HOST}:{port}"}
        PROFILE.unlink(missing_ok=True)
        if args.profile:
            server_env["BENCH_LIVE_PROFILE"] = str(PROFILE)
        argv = [str(PYTHON), "-m", "bench.live.serve"]
        # What the server loads: the sources as they are now (and again at the end).
        report["product"] = product_version()
        say(f"uvicorn (one process) on {HOST}:{port}")
        server = Server("uvicorn", argv, server_env, WORK_LIVE / "server.log")
        servers.append(server)
        ready = wait_listening(server, port)
        print(
            f"listening in {ready:.1f} s: {' '.join(argv[1:])} (pid {server.proc.pid})", flush=True
        )
        report.update(asyncio.run(measure(args, seed, env, server, port)))
    finally:
        for server in reversed(servers):
            server.stop()

    after = product_version()
    if after["sources_sha256"] != report["product"]["sources_sha256"]:
        report["product"]["changed_during_the_run"] = after
        print(
            "warning: live/ or config/ changed while the bench ran: the figures may "
            "belong to either version",
            flush=True,
        )
    report["verdict"] = verdict(report)
    report["seconds"] = round(time.monotonic() - started)
    if args.profile and PROFILE.exists():
        report["profile"] = profile_summary(PROFILE)
    path = write_results(report)
    print_table(report)
    print(f"\nFull results: {path.relative_to(ROOT)} ({report['seconds']} s in all)")
    print(json.dumps(summary(report), ensure_ascii=False, separators=(",", ":")))
    sys.stdout.flush()
    if args.enforce and not all(v["pass"] for v in report["verdict"].values()):
        return 3
    return 0

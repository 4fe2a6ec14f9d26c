"""bench/run-live's options and the run from start to end."""

import argparse
import asyncio
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import bench.live
from bench.live import WORK_LIVE
from bench.live.host import Host
from bench.live.load import ServerProbe, relay_phase, room_phase, server_quiet
from bench.live.report import BARS, print_table, profile_summary, summary, verdict, write_results
from bench.runner import PYTHON, RESULTS, ROOT, BenchError, say
from bench.runner.cpu import DISTURBED_PCT, SERVICES, wait_quiet
from bench.runner.prepare import flush_redis, reset_database
from bench.runner.servers import Server, free_port, run, run_bench_module

HOST = "127.0.0.1"
PROFILE = WORK_LIVE / "profile.jsonl"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run-live",
        description=bench.live.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=1000, help="learners in the room")
    parser.add_argument("--messages", type=int, default=100, help="chat lines the host sends")
    parser.add_argument(
        "--rate",
        type=float,
        default=5,
        help="chat lines a second (the room closes a socket sending more than 12 "
        "frames a second, pings included, so at most 11)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the server's port (default: a free one)"
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=2,
        help="processes the learners' sockets are shared among",
    )
    parser.add_argument(
        "--vote-within",
        type=float,
        default=5,
        help="each learner answers the poll a random 0..S seconds after it opens",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=45,
        help="seconds to wait, after the last line is sent, for every learner to have it",
    )
    parser.add_argument(
        "--join-over",
        type=float,
        default=0,
        help="learners arrive evenly over this many seconds (default 0: all at once, "
        "the worst case: a class told to join at 14:00 sharp)",
    )
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=50,
        help="handshakes in flight at once, per client process",
    )
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="do not offer permessage-deflate (browsers offer it, and uvicorn accepts)",
    )
    parser.add_argument(
        "--layer",
        choices=["product", "tuned"],
        default="product",
        help="product: the channel layer as config.settings.production configures it "
        "(the default, what the bars are judged on); tuned: its Redis client given a "
        "read timeout longer than channels_redis' 5 s BZPOPMIN and 1,000 connections "
        "(bench/live/settings.py), to measure the room apart from that problem",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30,
        help="before each phase, wait up to this many seconds for other processes on "
        "the machine to stop using the CPU",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the server (cProfile, bench/live/profiler.py) and print where each "
        "phase's time went (bench/.work/live/profile.jsonl); it slows the server down, so "
        "the figures of such a run are not for the bars",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get(
            "BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_bench_live"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_LIVE_REDIS_URL"),
        help="use this Redis database (flushed first) instead of a private redis-server",
    )
    parser.add_argument(
        "--enforce", action="store_true", help="exit with status 3 when a bar is missed"
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.rate > 11:
        parser.error("--rate must be above 0 and at most 11 (the room's flood limit)")
    if args.learners < 1 or args.messages < 1 or args.client_procs < 1:
        parser.error("--learners, --messages and --client-procs must be at least 1")
    return args


def raise_open_files(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise BenchError(
            f"open files limit {soft} is below the {needed} the sockets need (ulimit -n)"
        )
    return soft


SETTINGS = {"product": "config.settings.production", "tuned": "bench.live.settings"}


def live_environment(db_url: str, layer: str) -> dict:
    """Production's settings and environment with plain HTTP on loopback, as the HTTP
    bench uses them, without its URLconf: the sockets need nothing of it."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS[layer],
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
            "DATABASE_URL": db_url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "STATIC_ROOT": str(WORK_LIVE / "static"),
            "LMS_VAR_DIR": str(WORK_LIVE / "var"),
            "MEDIA_ROOT": str(WORK_LIVE / "var" / "media"),
            "PRIVATE_ROOT": str(WORK_LIVE / "var" / "private"),
            # The clients reach uvicorn directly, as in the embedded default.
            "AXES_BEHIND_PROXY": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DEBUG", None)
    return env


def start_redis() -> tuple[Server, str]:
    """A Redis of the run's own, configured like production's (append-only file on), in
    a folder of its own so that it never meets bench/run's."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError(
            "redis-server not found: apt-get install -y redis-server, or pass --redis-url"
        )
    home = WORK_LIVE / "redis"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "yes"]
    argv += ["--dir", str(home), "--daemonize", "no"]
    server = Server("redis", argv, dict(os.environ), WORK_LIVE / "redis.log")
    import redis

    client = redis.Redis(host=HOST, port=port)
    for _ in range(100):
        if not server.alive():
            raise BenchError(f"redis-server exited; see {server.log}")
        try:
            if client.ping():
                return server, f"redis://{HOST}:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    raise BenchError("redis-server did not answer")


def wait_listening(server: Server, port: int, timeout: float = 90) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not server.alive():
            raise BenchError(f"{server.name} exited; see {server.log}")
        try:
            with socket.create_connection((HOST, port), timeout=2):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"{server.name} not listening after {timeout} s; see {server.log}")


async def handshake_status(url: str, origin: str, cookie: str | None) -> int:
    """101 when the socket opens, else the status the server refused it with."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    headers = {"Cookie": cookie} if cookie else {}
    try:
        ws = await connect(url, origin=origin, additional_headers=headers, open_timeout=30)
    except InvalidStatus as error:
        return error.response.status_code
    await ws.close()
    return 101


async def sanity(seed: dict, ws_base: str, origin: str, deflate: bool) -> dict:
    """Before any load: the room refuses who it must, a learner hears the host's chat,
    and the relay echoes. Anything else stops the run: the figures would mean nothing."""
    name = seed["session_cookie"]
    room = f"{ws_base}/ws/live/{seed['session_id']}/"
    relay = f"{ws_base}/ws/bench-relay/"
    learner_cookie = f"{name}={seed['sanity_learner']['sessionid']}"
    checks = {
        "anonymous": await handshake_status(room, origin, None),
        "outsider": await handshake_status(room, origin, f"{name}={seed['outsider']['sessionid']}"),
        "other_origin": await handshake_status(room, "https://evil.example", learner_cookie),
    }
    for what, status in checks.items():
        if status == 101:
            raise BenchError(f"sanity: the room let in {what}")
    host = Host(room, origin, f"{name}={seed['host']['sessionid']}", deflate=deflate, room=True)
    learner = Host(room, origin, learner_cookie, deflate=deflate, room=True)
    echo = Host(relay, origin, learner_cookie, deflate=deflate, room=False)
    try:
        await host.open()
        me = host.state["room"]["participants"].get(str(seed["host"]["user_id"]), {})
        if me.get("role") != "host":
            raise BenchError(f"sanity: the trainer is not the host: {host.state['you']}")
        await learner.open()
        await host.act("sanity-chat", "chat.send", text="Kiểm tra trước khi đo")
        heard = await learner.wait_event(
            lambda f: (
                f["event"]["type"] == "chat.posted"
                and f["event"]["text"] == "Kiểm tra trước khi đo"
            ),
            15,
        )
        if heard is None:
            raise BenchError("sanity: the learner did not hear the host's chat line")
        checks["room_chat"] = "heard"
        await echo.open()
        await echo.ws.send('{"type":"event","seq":0,"event":{"type":"sanity"}}')
        if await echo.wait_event(lambda f: f["event"]["type"] == "sanity", 15) is None:
            raise BenchError("sanity: the relay did not echo")
        checks["relay"] = "echoed"
    finally:
        for client in (host, learner, echo):
            if client.ws is not None:
                await client.close()
    return checks


def product_version() -> dict:
    """What was measured: the commit, whether the classroom's files differ from it, and
    a digest of those files as they were (the room's code changes between commits)."""
    import hashlib

    paths = sorted(
        p
        for pattern in ("live/**/*.py", "config/*.py", "config/settings/*.py")
        for p in ROOT.glob(pattern)
        if "/tests/" not in p.as_posix() and "/migrations/" not in p.as_posix()
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())

    def git(*argv: str) -> str:
        try:
            done = subprocess.run(
                ["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30
            )
            return done.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    changed = git("status", "--porcelain", "--", "live", "config").splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "live_and_config_changed_files": len(changed),
        "sources_sha256": digest.hexdigest()[:16],
    }


def machine_info() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib.metadata import version

    for package in ("uvicorn", "websockets", "channels", "channels-redis", "Django", "uvloop"):
        try:
            info[package] = version(package)
        except Exception:  # noqa: BLE001 - not installed
            info[package] = None
    for tool, argv in {
        "redis": ["redis-server", "--version"],
        "postgres": ["psql", "--version"],
    }.items():
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            info[tool] = done.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            info[tool] = None
    return info


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
    env = live_environment(args.db_url, args.layer)
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
            "settings": SETTINGS[args.layer],
            "layer": args.layer,
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
            redis_server, env["REDIS_URL"] = start_redis()
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

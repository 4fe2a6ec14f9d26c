"""The processes the bench starts: its servers (Redis, gunicorn, nginx) and one-off
commands, each stopped or waited for by the bench itself."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from bench.runner import BENCH, PYTHON, ROOT, VENV_BIN, WORK, BenchError
from bench.runner.cpu import BENCH_GROUPS
from bench.traffic import http_request


class Server:
    """A process in its own session (process group), stopped by its own id at the end."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name = name
        self.argv = argv
        self.log = log
        self._log_file = log.open("ab")
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        BENCH_GROUPS[self.proc.pid] = name.split()[0]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 20) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=10)
        # Workers left behind by a master that died: the group is this server's alone.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log_file.close()


def run(argv: list[str], env: dict, what: str, timeout: float = 600) -> str:
    """Runs a command to completion; its output, or a BenchError saying what failed."""
    result = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise BenchError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_bench_module(module: str, args: list[str], env: dict, what: str) -> None:
    """``python -m bench.<module>`` in the bench environment, its summary echoed."""
    output = run([str(PYTHON), "-m", f"bench.{module}", *args], env, what)
    print(output.strip(), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, server: Server, timeout: float = 90) -> float:
    """Until Django answers (the bare view redirects an anonymous visitor to log in)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not server.alive():
            raise BenchError(f"{server.name} exited; see {server.log}")
        try:
            status, _, _ = http_request(base + "/bench/bare/", timeout=5)
            if status in (200, 302):
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchError(f"{server.name} not ready after {timeout} s; see {server.log}")


def start_redis(work: Path = WORK) -> tuple[Server, str]:
    """A Redis of the bench's own, configured like production's (append-only file on),
    its files and log in ``work`` (each benchmark has its own, so two never meet).

    A private instance, because a shared one may be flushed by other users of the machine
    (the test suite flushes its databases) and that would log every learner out mid-run.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError(
            "redis-server not found: apt-get install -y redis-server, or pass --redis-url"
        )
    home = work / "redis"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port = free_port()
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--dir",
        str(home),
        "--daemonize",
        "no",
    ]
    server = Server("redis", argv, dict(os.environ), work / "redis.log")
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        if not server.alive():
            raise BenchError(f"redis-server exited; see {server.log}")
        try:
            if client.ping():
                return server, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    raise BenchError("redis-server did not answer")


def start_gunicorn(
    workers: int, port: int, env: dict, max_requests: int, work: Path = WORK
) -> Server:
    # The production image's command (docker/Dockerfile), bound to loopback; worker
    # recycling (--max-requests) only when asked for, see the README.
    argv = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if max_requests:
        argv += [
            "--max-requests",
            str(max_requests),
            "--max-requests-jitter",
            str(max_requests // 10),
        ]
    argv += ["--access-logfile", str(work / "gunicorn-access.log")]
    return Server(f"gunicorn ({workers} workers)", argv, env, work / "gunicorn.log")


def start_nginx(nginx_bin: str, port: int, gunicorn_port: int, env: dict) -> Server:
    home = WORK / "nginx"
    home.mkdir(exist_ok=True)
    # As root, nginx would run its workers as "nobody", who cannot use the files under WORK.
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = (BENCH / "nginx.conf.in").read_text()
    for key, value in {
        "@USER@": user,
        "@WORK@": str(WORK),
        "@PORT@": str(port),
        "@GUNICORN_PORT@": str(gunicorn_port),
    }.items():
        conf = conf.replace(key, value)
    path = home / "nginx.conf"
    path.write_text(conf)
    argv = [nginx_bin, "-p", str(home), "-c", str(path), "-g", "daemon off;"]
    run([*argv, "-t"], env, "nginx -t")
    return Server("nginx", argv, env, WORK / "nginx.log")

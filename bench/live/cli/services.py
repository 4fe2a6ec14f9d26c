"""The run's own Redis, and the wait for a server to listen."""

import os
import shutil
import socket
import time

from bench.live import WORK_LIVE
from bench.live.cli.environment import HOST
from bench.runner import BenchError
from bench.runner.servers import Server, free_port


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

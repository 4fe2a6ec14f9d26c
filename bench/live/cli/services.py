"""The wait for a server to listen."""

import socket
import time

from bench.live.cli.environment import HOST
from bench.runner import BenchError
from bench.runner.servers import Server


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

"""The learners' client processes (``python -m bench.live.clients``), each with a share
of the learners, driven by one JSON command a line."""

import asyncio
import json
import os
import signal
from pathlib import Path

from bench.live.load.probes import cpu_seconds
from bench.runner import PYTHON, ROOT, BenchError
from bench.runner.cpu import BENCH_GROUPS


class Workers:
    """``bench.live.clients`` processes, each with a share of the learners."""

    def __init__(self, count: int, env: dict, log_dir: Path):
        self.count, self.env, self.log_dir = count, env, log_dir
        self.procs: list[asyncio.subprocess.Process] = []
        self.logs = []

    async def start(self, setup: dict, learners: list[dict], tag: str) -> None:
        shares = [learners[i :: self.count] for i in range(self.count)]
        for index in range(self.count):
            log = (self.log_dir / f"clients-{tag}-{index}.log").open("wb")
            self.logs.append(log)
            proc = await asyncio.create_subprocess_exec(
                str(PYTHON),
                "-m",
                "bench.live.clients",
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                limit=2**28,
            )
            BENCH_GROUPS[proc.pid] = "clients"
            self.procs.append(proc)
        await asyncio.gather(
            *(
                self._call(proc, {"cmd": "setup", **setup, "learners": share})
                for proc, share in zip(self.procs, shares, strict=True)
            )
        )

    async def _call(self, proc, command: dict) -> dict:
        proc.stdin.write((json.dumps(command) + "\n").encode())
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        if not line:
            raise BenchError(f"a client process ended; see {self.log_dir}/clients-*.log")
        answer = json.loads(line)
        if "error" in answer:
            raise BenchError(f"client process: {answer['error']}")
        return answer

    async def call(self, command: dict) -> list[dict]:
        return await asyncio.gather(*(self._call(p, command) for p in self.procs))

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.procs:
            try:
                total += cpu_seconds(proc.pid)
            except OSError:
                pass
        return total

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                try:
                    await asyncio.wait_for(self._call(proc, {"cmd": "exit"}), 10)
                    await asyncio.wait_for(proc.wait(), 10)
                except (TimeoutError, BenchError, BrokenPipeError, ConnectionResetError):
                    pass
            if proc.returncode is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                await proc.wait()
        for log in self.logs:
            log.close()
        self.procs, self.logs = [], []

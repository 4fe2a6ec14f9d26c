"""The server process as /proc shows it: memory, CPU time, threads, and the CPU used
by each of its threads phase by phase; and the machine's CPU by process group."""

import asyncio
import os
import signal
import time
from pathlib import Path

from bench.runner import BenchError
from bench.runner.cpu import cpu_delta, cpu_snapshot


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


def _stat_cpu_seconds(stat: Path) -> float:
    """User plus system time from a /proc ``stat`` file (a process's or a thread's)."""
    raw = stat.read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    return _stat_cpu_seconds(Path(f"/proc/{pid}/stat"))


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


class ServerProbe:
    """Where the server's CPU went, phase by phase: each thread's CPU time (from
    /proc/<pid>/task) between two marks, and with ``--profile`` the profiler's figures
    for the same window (bench.live.profiler, signalled with SIGUSR1)."""

    def __init__(self, pid: int, profile_file: Path | None):
        self.pid, self.profile_file = pid, profile_file
        self.phases: dict[str, dict] = {}
        self.last = self._threads()
        self.at = time.monotonic()

    def _threads(self) -> dict[int, float]:
        out = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                out[int(task.name)] = _stat_cpu_seconds(task / "stat")
            except OSError:
                continue
        return out

    def mark(self, label: str) -> None:
        """Close the window that ends now, named ``label``."""
        now, threads = time.monotonic(), self._threads()
        used = {
            ("event loop" if tid == self.pid else f"thread {tid}"): round(
                cpu - self.last.get(tid, 0.0), 2
            )
            for tid, cpu in threads.items()
        }
        self.phases[label] = {
            "seconds": round(now - self.at, 1),
            "cpu_s": {k: v for k, v in sorted(used.items(), key=lambda kv: -kv[1]) if v > 0},
        }
        self.last, self.at = threads, now
        if self.profile_file is not None:
            Path(str(self.profile_file) + ".phase").write_text(label)
            os.kill(self.pid, signal.SIGUSR1)


async def server_quiet(pid: int, limit: float = 180, below: float = 0.05) -> dict:
    """Until the server uses less than ``below`` of a core for two seconds running (the
    work left by sockets that closed: attendance, presence). Its CPU meanwhile."""
    started, first = time.monotonic(), cpu_seconds(pid)
    calm, last = 0, first
    while time.monotonic() - started < limit:
        await asyncio.sleep(1)
        now = cpu_seconds(pid)
        calm = calm + 1 if now - last < below else 0
        last = now
        if calm >= 2:
            break
    return {"seconds": round(time.monotonic() - started - 2, 1), "cpu_s": round(last - first, 2)}


def cpu_window(before: dict) -> dict:
    result = cpu_delta(before, cpu_snapshot())
    # cpu_snapshot counts the process that takes it as "wrk"; here it is the host's
    # socket and the bench's bookkeeping.
    result["cpu_pct"] = {("host" if k == "wrk" else k): v for k, v in result["cpu_pct"].items()}
    return result

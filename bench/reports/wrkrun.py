"""One wrk run with bench/run's Lua scripts, as bench.runner.load.wrk runs it, but with
this benchmark's own session and activity files and output folder (bench/run's live
in bench/.work and must not be overwritten by this one), and the wall-clock times the
load started and ended, which the queue samples and the worker's log are set against.
"""

import json
import os
import re
import secrets
import subprocess
import time
from pathlib import Path

from bench.reports import WORK_REPORTS
from bench.runner import BENCH, BenchError
from bench.runner.cpu import BENCH_GROUPS, cpu_delta, cpu_snapshot, wait_quiet
from bench.runner.load import combine

__all__ = ["combine", "wrk"]


def wrk(
    name: str,
    url: str,
    script: str,
    *,
    sessions: Path,
    connections: int,
    threads: int,
    duration: int,
    quiet_wait: float,
    activities: Path | None = None,
) -> dict:
    """One run's figures (bench.runner.load.combine merges a measurement's runs)."""
    env = dict(os.environ)
    env.update(
        {
            "BENCH_LUA_DIR": str(BENCH / "lua"),
            "BENCH_SESSIONS": str(sessions),
            "BENCH_ACTIVITIES": str(activities or sessions),
            "BENCH_THREADS": str(threads),
            "BENCH_SALT": str(secrets.randbelow(2**30)),
            "BENCH_GZIP": "0",
        }
    )
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "lua" / script),
        url,
    ]
    quiet_before, waited = wait_quiet(quiet_wait)
    if waited >= 3:
        print(
            f"    waited {waited:.0f} s for other processes to quiet down "
            f"(now {quiet_before}% of a core)",
            flush=True,
        )
    before = cpu_snapshot()
    started_at = time.time()
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    BENCH_GROUPS[proc.pid] = "wrk"
    try:
        stdout, stderr = proc.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    ended_at = time.time()
    after = cpu_snapshot()
    BENCH_GROUPS.pop(proc.pid, None)
    (WORK_REPORTS / f"wrk-{name}.txt").write_text(stdout + stderr)
    if proc.returncode != 0:
        raise BenchError(f"wrk ({name}) failed:\n{stdout}\n{stderr}")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", stdout, re.MULTILINE)
    if not match:
        raise BenchError(f"wrk ({name}) printed no result:\n{stdout}\n{stderr}")
    data = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", stdout)
    data["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    data["cpu"] = cpu_delta(before, after)
    data["other_cpu_pct_just_before"] = quiet_before
    data["waited_for_quiet_s"] = waited
    data["wrk_output"] = stdout.split("BENCH_RESULT")[0].rstrip()
    data["url"] = url
    data["started_at"] = started_at
    data["ended_at"] = ended_at
    return data


def wrk_background(
    name: str, url: str, script: str, *, sessions: Path, activities: Path, connections: int
) -> subprocess.Popen:
    """A wrk load left running (for as long as it is needed, then terminated) while
    other runs measure: the learners' events while managers read the dashboard."""
    env = dict(os.environ)
    env.update(
        {
            "BENCH_LUA_DIR": str(BENCH / "lua"),
            "BENCH_SESSIONS": str(sessions),
            "BENCH_ACTIVITIES": str(activities),
            "BENCH_THREADS": "1",
            "BENCH_SALT": str(secrets.randbelow(2**30)),
        }
    )
    argv = ["wrk", "-t1", f"-c{connections}", "-d3600s", "--timeout", "10s"]
    argv += ["-s", str(BENCH / "lua" / script), url]
    out = (WORK_REPORTS / f"wrk-{name}.txt").open("w")
    proc = subprocess.Popen(
        argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    out.close()
    BENCH_GROUPS[proc.pid] = "wrk"
    return proc

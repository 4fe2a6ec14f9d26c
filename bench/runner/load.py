"""The load: wrk runs with the bench's Lua scripts, their figures, and the check that
the progress events the server said it stored are in the database."""

import json
import os
import re
import secrets
import subprocess
import time

from bench.runner import BENCH, WORK, BenchError, say
from bench.runner.cpu import BENCH_GROUPS, cpu_delta, cpu_snapshot, disturbed, wait_quiet
from bench.runner.sanity import still_logged_in


def not_2xx(status: dict) -> int:
    return status["3xx"] + status["4xx"] + status["5xx"] + status["other"]


def wrk(name: str, url: str, script: str, args, extra_env: dict, duration: int, wait: float):
    """One wrk run; returns its figures (see combine() for a measurement's)."""
    env = dict(os.environ)
    env.update(extra_env)
    env.update(
        {
            "BENCH_LUA_DIR": str(BENCH / "lua"),
            "BENCH_SESSIONS": str(WORK / "sessions.txt"),
            "BENCH_ACTIVITIES": str(WORK / "activities.txt"),
            "BENCH_THREADS": str(args.threads),
            "BENCH_SALT": str(secrets.randbelow(2**30)),
        }
    )
    argv = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "lua" / script),
        url,
    ]
    quiet_before, waited = wait_quiet(wait)
    if waited >= 3:
        print(
            f"    waited {waited:.0f} s for other processes to quiet down "
            f"(now {quiet_before}% of a core)",
            flush=True,
        )
    before = cpu_snapshot()
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
    after = cpu_snapshot()
    BENCH_GROUPS.pop(proc.pid, None)
    (WORK / f"wrk-{name}.txt").write_text(stdout + stderr)
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
    return data


def combine(runs: list[dict]) -> dict:
    """A measurement's figures from its wrk runs: counts added up, rates over the summed
    durations, latency percentiles of the merged distribution (exact for a single run;
    from each run's 200 quantiles otherwise, so to within 0.5% of the requests), CPU
    shares weighted by duration."""
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    status = {k: sum(r["status"][k] for r in runs) for k in runs[0]["status"]}
    errors = {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]}
    requests = sum(r["requests"] for r in runs)
    if len(runs) == 1:
        latency = {k: v for k, v in runs[0]["latency_us"].items()}
    else:
        points = sorted(
            (q, r["requests"] / len(r["quantiles_us"])) for r in runs for q in r["quantiles_us"]
        )
        total = sum(w for _, w in points) or 1

        def percentile(p: float) -> float:
            seen = 0.0
            for value, weight in points:
                seen += weight
                if seen >= total * p / 100:
                    return value
            return points[-1][0]

        latency = {
            "mean": sum(r["latency_us"]["mean"] * r["requests"] for r in runs) / (requests or 1),
            "max": max(r["latency_us"]["max"] for r in runs),
            **{f"p{p}": percentile(p) for p in (50, 75, 90, 95, 99)},
        }

    def weighted(key: str) -> dict:
        out: dict[str, float] = {}
        for r in runs:
            for name, pct in r["cpu"][key].items():
                out[name] = out.get(name, 0) + pct * r["duration_us"] / 1e6 / seconds
        return {k: round(v) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}

    return {
        "url": runs[0]["url"],
        "runs": len(runs),
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1),
        "ok_rps": round(status["2xx"] / seconds, 1),
        "status": status,
        "errors": errors,
        "wrk_non_2xx_3xx": sum(r["non2xx"] for r in runs),
        "stored": sum(r["stored"] for r in runs),
        "latency_ms": {k: round(v / 1000, 1) for k, v in latency.items() if k != "stdev"},
        "cpu": {
            "machine_busy_pct": round(
                sum(r["cpu"]["machine_busy_pct"] * r["duration_us"] for r in runs)
                / sum(r["duration_us"] for r in runs)
            ),
            "cpu_pct": weighted("cpu_pct"),
            "other_processes_pct": weighted("other_processes_pct"),
        },
        "by_run": [
            {
                "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
                "p95_ms": round(r["latency_us"]["p95"] / 1000, 1),
                "other_cpu_pct": r["cpu"]["cpu_pct"].get("other", 0),
                "waited_for_quiet_s": r["waited_for_quiet_s"],
            }
            for r in runs
        ],
        "wrk_output": [r["wrk_output"] for r in runs],
    }


def event_count(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM courses_progressevent").fetchone()[0]


def measure(config: str, base: str, seed: dict, args, gzip: bool) -> dict:
    """The three measured requests against one server configuration."""
    lesson_url = base + seed["lesson"]["url"]
    get_env = {"BENCH_GZIP": "1" if gzip else "0"}
    slices = max(1, args.slices)
    part = max(1, round(args.duration / slices))
    wait = args.quiet_wait / slices
    say(
        f"[{config}] wrk: lesson page and bare view, {args.connections} connections, "
        f"{slices} x {part} s each, alternating"
    )
    runs: dict[str, list] = {"lesson": [], "bare": []}
    for index in range(slices):
        for name, url in (("lesson", lesson_url), ("bare", base + "/bench/bare/")):
            runs[name].append(
                wrk(f"{config}-{name}-{index + 1}", url, "get.lua", args, get_env, part, wait)
            )
            still_logged_in(base, seed, name)
            time.sleep(0.5)
    out = {name: combine(parts) for name, parts in runs.items()}
    say(f"[{config}] wrk: progress events (10 a request), {args.duration} s")
    before = event_count(args.db_url)
    events = combine(
        [
            wrk(
                f"{config}-events",
                base + "/api/progress/events",
                "events.lua",
                args,
                {},
                args.duration,
                args.quiet_wait,
            )
        ]
    )
    time.sleep(2)  # requests still in flight when wrk stopped counting
    after = event_count(args.db_url)
    still_logged_in(base, seed, "events")
    ok = events["status"]["2xx"]
    events["events_per_s"] = round(10 * ok / events["seconds"], 1)
    events["verify"] = {
        "rows_added_in_db": after - before,
        "stored_reported_by_server": events["stored"],
        "successful_requests_x10": 10 * ok,
        # Rows may exceed what wrk counted by the batches in flight when it stopped, and
        # never fall short of what the server said it stored.
        "ok": events["stored"] == 10 * ok and after - before >= events["stored"],
    }
    out["events"] = events
    bare_rps = out["bare"]["ok_rps"]
    for name in ("lesson", "events"):
        out[f"{name}_vs_bare"] = round(out[name]["ok_rps"] / bare_rps, 3) if bare_rps else None
    for name in ("lesson", "bare", "events"):
        run_ = out[name]
        bad = not_2xx(run_["status"])
        if bad:
            print(f"WARNING: {name}: {bad} responses were not 2xx: {run_['status']}", flush=True)
        if disturbed(run_["cpu"]):
            other = run_["cpu"]["cpu_pct"]["other"]
            names = ", ".join(f"{k} {v}" for k, v in run_["cpu"]["other_processes_pct"].items())
            print(
                f"WARNING: {name}: other processes used {other}% CPU during the run ({names}); "
                "its figures are depressed",
                flush=True,
            )
    return out

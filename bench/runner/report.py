"""The outcome of a run: the machine it ran on, the verdict on each bar, the table
printed at the end and the JSON files in bench/results/."""

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from bench.runner import RESULTS
from bench.runner.cpu import DISTURBED_PCT, disturbed
from bench.runner.load import not_2xx
from bench.runner.quiz import REQUEST_TYPES, lost_answer_summary

BARS = {
    "lesson_rps_min": 300,
    # The bars that hold on a machine whose speed varies from day to day: ratios to the
    # bare Django view measured in the same run.
    "lesson_vs_bare_min": 0.50,
    "events_vs_bare_min": 0.35,
    "lesson_p95_ms_max": 200,
    "events_per_s_min": 1500,
    # The exam-start spike, against the bare view at the spike's concurrency.
    "quiz_autosave_vs_bare_min": 0.50,
    "quiz_start_p95_vs_bare_p95_max": 3.0,
    "quiz_errors_max": 0,
    "quiz_answers_lost_max": 0,
}
# Not bars: what the spike should take on an unloaded 2-core machine, reported as met or not.
GOALS = {
    "quiz_start_p95_ms_max": 1000,
    "quiz_autosave_p95_ms_max": 200,
}


WEB_TOOLS = {"wrk": ["wrk", "-v"], "nginx": ["nginx", "-v"], "postgres": ["psql", "--version"]}


def machine_info(tools: dict[str, list[str]] = WEB_TOOLS, packages: tuple[str, ...] = ()) -> dict:
    """The machine a run measured, with the versions of the tools and packages it used."""
    info = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for package in packages:
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    for tool, argv in tools.items():
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            info[tool] = (done.stdout + done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            info[tool] = None
    return info


def verdict(run_: dict) -> dict:
    lesson, events = run_["lesson"], run_["events"]
    ratio = run_["lesson_vs_bare"] or 0
    events_ratio = run_.get("events_vs_bare") or 0
    return {
        "lesson_rps": {
            "value": lesson["ok_rps"],
            "bar": f">= {BARS['lesson_rps_min']}",
            "pass": lesson["ok_rps"] >= BARS["lesson_rps_min"],
        },
        "lesson_vs_bare": {
            "value": ratio,
            "bar": f">= {BARS['lesson_vs_bare_min']:.0%}",
            "pass": ratio >= BARS["lesson_vs_bare_min"],
        },
        "events_vs_bare": {
            "value": events_ratio,
            "bar": f">= {BARS['events_vs_bare_min']:.0%}",
            "pass": events_ratio >= BARS["events_vs_bare_min"] and events["verify"]["ok"],
        },
        "lesson_p95_ms": {
            "value": lesson["latency_ms"]["p95"],
            "bar": f"< {BARS['lesson_p95_ms_max']}",
            "pass": lesson["latency_ms"]["p95"] < BARS["lesson_p95_ms_max"],
        },
        "events_per_s": {
            "value": events["events_per_s"],
            "bar": f">= {BARS['events_per_s_min']}",
            "pass": events["events_per_s"] >= BARS["events_per_s_min"] and events["verify"]["ok"],
        },
    }


def quiz_verdict(quiz: dict) -> dict:
    autosave = quiz["autosave_vs_bare"] or 0
    start = quiz["start_p95_vs_bare_p95"]
    lost = quiz["verify"]["answers_lost"]
    return {
        "quiz_autosave_vs_bare": {
            "value": autosave,
            "bar": f">= {BARS['quiz_autosave_vs_bare_min']:.0%}",
            "pass": autosave >= BARS["quiz_autosave_vs_bare_min"],
        },
        "quiz_start_p95_vs_bare_p95": {
            "value": start,
            "bar": f"<= {BARS['quiz_start_p95_vs_bare_p95_max']:g}x",
            "pass": start is not None and start <= BARS["quiz_start_p95_vs_bare_p95_max"],
        },
        "quiz_errors": {
            "value": quiz["errors"],
            "bar": f"== {BARS['quiz_errors_max']}",
            "pass": quiz["errors"] <= BARS["quiz_errors_max"],
        },
        # Lost: acknowledged and not stored as sent; a missing row or an ungraded attempt
        # fails the bar too.
        "quiz_answers_lost": {
            "value": lost,
            "bar": f"== {BARS['quiz_answers_lost_max']}",
            "pass": lost <= BARS["quiz_answers_lost_max"] and quiz["verify"]["ok"],
        },
    }


def quiz_goals(quiz: dict) -> dict:
    start = quiz["start"]["latency_ms"].get("p95")
    autosave = quiz["autosave"]["latency_ms"].get("p95")
    return {
        "quiz_start_p95_ms": {
            "value": start,
            "goal": f"< {GOALS['quiz_start_p95_ms_max']}",
            "met": start is not None and start < GOALS["quiz_start_p95_ms_max"],
        },
        "quiz_autosave_p95_ms": {
            "value": autosave,
            "goal": f"< {GOALS['quiz_autosave_p95_ms_max']}",
            "met": autosave is not None and autosave < GOALS["quiz_autosave_p95_ms_max"],
        },
    }


def write_results(report: dict) -> Path:
    """latest.json, plus a copy named after the time, so that runs can be compared."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=1, ensure_ascii=False)
    latest = RESULTS / "latest.json"
    latest.write_text(text, "utf-8")
    (RESULTS / f"{stamp}.json").write_text(text, "utf-8")
    return latest


def print_table(report: dict) -> None:
    cfg = report["config"]
    print()
    print("=" * 100)
    print(
        f"LMS benchmark — {cfg['learners']} learners, {cfg['connections']} connections, "
        f"{cfg['duration_s']} s per run, wrk -t{cfg['wrk_threads']}, target: {cfg['target']}, "
        f"{report['machine']['cpus']} CPUs"
    )
    recycle = cfg["gunicorn_max_requests"]
    print(
        f"settings: {cfg['settings']}; gunicorn sync workers, "
        + (f"recycled every {recycle} requests" if recycle else "no worker recycling")
    )
    if not cfg["nginx"]:
        print("nginx: SKIPPED (not installed or --no-nginx)")
    print("=" * 100)
    header = (
        f"{'run':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx':>9}{'errors':>8}  CPU (100 = one core)"
    )
    for run_ in report["runs"].values():
        print(f"\n{run_['workers']} gunicorn workers")
        print(header)
        for name in ("lesson", "bare", "events"):
            r = run_[name]
            lat = r["latency_ms"]
            errors = sum(r["errors"][k] for k in ("connect", "read", "write", "timeout"))
            top = " ".join(f"{k} {v}" for k, v in r["cpu"]["cpu_pct"].items())
            mark = "*" if disturbed(r["cpu"]) else ""
            print(
                f"{name + mark:<14}{r['ok_rps']:>9.1f}{lat['p50']:>9.1f}{lat['p95']:>9.1f}"
                f"{lat['p99']:>9.1f}{not_2xx(r['status']):>9}{errors:>8}  {top}"
            )
        ev = run_["events"]
        print(
            f"lesson / bare = {run_['lesson_vs_bare']:.0%};  events / bare = "
            f"{run_.get('events_vs_bare') or 0:.0%};  events stored/s = "
            f"{ev['events_per_s']:.0f} (10 x {ev['ok_rps']:.1f} req/s); DB rows added "
            f"{ev['verify']['rows_added_in_db']}, server said stored "
            f"{ev['verify']['stored_reported_by_server']}, 10 x 2xx = "
            f"{ev['verify']['successful_requests_x10']} -> "
            f"{'consistent' if ev['verify']['ok'] else 'INCONSISTENT'}"
        )

    if any(
        disturbed(run_[name]["cpu"])
        for run_ in report["runs"].values()
        for name in ("lesson", "bare", "events")
    ):
        print(
            f"* other processes on the machine used >= {DISTURBED_PCT}% of a core during "
            "the run: its figures are depressed"
        )
    _print_profile(report.get("profile", {}))
    _print_pageweight(report.get("pageweight"))
    _print_quiz(report.get("quiz"), cfg["target"])

    quiz_note = (
        f"; quiz: {report['quiz']['learners']} concurrent learners" if report.get("quiz") else ""
    )
    print(
        f"\nBars ({report['runs'][report['primary']]['workers']} gunicorn workers, "
        f"{cfg['connections']} concurrent learners{quiz_note})"
    )
    width = max(16, *(len(key) for key in report["verdict"]))
    for key, v in report["verdict"].items():
        print(
            f"  {key:<{width}} {_bar_value(key, v['value']):>10}  (bar {v['bar']:>7})  "
            f"{'PASS' if v['pass'] else 'FAIL'}"
        )
    if report.get("goals"):
        print("Goals (an unloaded 2-core machine; not bars)")
        for key, v in report["goals"].items():
            print(
                f"  {key:<{width}} {_bar_value(key, v['value']):>10}  (goal {v['goal']:>6})  "
                f"{'met' if v['met'] else 'NOT MET'}"
            )


def _bar_value(key: str, value) -> str:
    if value is None:
        return "-"
    if key.endswith("_vs_bare"):
        return f"{value:.0%}"
    if key.endswith("_vs_bare_p95"):
        return f"{value:.2f}x"
    return f"{value}"


def _print_quiz(quiz: dict | None, target: str) -> None:
    if not quiz:
        return
    q = quiz["quiz"]
    types = ", ".join(f"{n} {t}" for t, n in q["types"].items())
    print(
        f"\nExam start spike — {quiz['learners']} learners at once, quiz of {q['questions']} "
        f"questions ({types}), {quiz['workers']} gunicorn "
        f"workers, target: {target}"
    )
    print(
        f"{'request':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'ok':>7}{'errors':>8}"
    )
    for name in ("bare", *REQUEST_TYPES):
        r = quiz[name]
        lat = r["latency_ms"]
        cpu = quiz["bare"]["cpu"] if name == "bare" else quiz["spike_cpu"]
        mark = "*" if disturbed(cpu) else ""
        print(
            f"{name + mark:<14}{r['ok_rps'] or 0:>9.1f}{lat.get('p50', 0):>9.1f}"
            f"{lat.get('p95', 0):>9.1f}{lat.get('p99', 0):>9.1f}{lat.get('max', 0):>9.1f}"
            f"{r['ok']:>7}{r['error_count']:>8}"
        )
    first = quiz["bare"].get("first_round_latency_ms", {})
    phases = quiz["phases_s"]
    print(
        f"bare: {quiz['learners']} connections x {quiz['bare']['rounds']} GETs, right before "
        f"the spike (its first round alone, a burst like the start: p95 {first.get('p95')} ms)"
    )
    pace = (
        f"answers {quiz['think_s']:g} s apart on average: autosave req/s is the load offered"
        if quiz["think_s"]
        else "answers back to back"
    )
    print(
        f"phases: start + attempt page {phases['start']} s, autosave {phases['autosave']} s "
        f"({pace}), submit {phases['submit']} s"
    )
    for label, cpu in (("bare", quiz["bare"]["cpu"]), ("spike", quiz["spike_cpu"])):
        top = " ".join(f"{k} {v}" for k, v in cpu["cpu_pct"].items())
        print(f"CPU during {label} (100 = one core): {top}")
    print(
        f"autosave / bare = {quiz['autosave_vs_bare'] or 0:.0%};  start p95 / bare p95 = "
        f"{_bar_value('_vs_bare_p95', quiz['start_p95_vs_bare_p95'])};  errors {quiz['errors']}"
    )
    print(lost_answer_summary(quiz["verify"]))


def _print_profile(prof: dict) -> None:
    if not prof:
        return
    print("\nIn-process profile (test client, one request; mean over the profile's requests)")
    for name, p in prof.items():
        print(
            f"  {name:<7} {p['queries']:>2} SQL, {p['redis_commands']:>2} Redis commands, "
            f"{p['in_process_ms']:.1f} ms = SQL {p['sql_ms']:.1f} + Redis "
            f"{p['redis_ms']:.1f} + Python {p['python_ms']:.1f}"
        )
    for name in ("lesson", "events"):
        rows = prof.get(name, {}).get("top_product_cumulative", [])[:6]
        if rows:
            print(f"  {name}: the product's functions by time (cProfile, callees included)")
            for row in rows:
                print(f"    {row['cum_ms_per_request']:>7.2f} ms  {row['function']}")


def _print_pageweight(pw: dict | None) -> None:
    if not pw:
        return
    slow = pw["slow"]
    print("\nLesson page in Chromium, cold cache")
    print(
        f"  requests {pw['requests']}, on the wire {pw['transferred_bytes']} B "
        f"(uncompressed {pw['raw_bytes']} B, gzip -5 would be {pw['gzip5_bytes']} B)"
    )
    for r in pw["by_request"]:
        print(
            f"    {r['method']:<5}{r['status'] or '-':>4} {r['encoded_bytes']:>7} B "
            f"{r.get('content_encoding') or '':<5} {urlsplit(r['url']).path}"
        )
    print(
        f"  at 400 ms latency, 50 KB/s: time to text {slow['time_to_text_ms']} ms "
        f"(FCP {slow['fcp_ms']}, LCP {slow['lcp_ms']}, h1 frame {slow['h1_frame_ms']}, "
        f"load {slow['load_ms']}) — median of {len(slow['loads'])} loads"
    )

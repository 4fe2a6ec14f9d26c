"""The manager dashboard against the bare view, at one connection and at N.

Three pages, each requested by wrk (bench/lua/get.lua) rotating over its managers'
sessions: the bare view (bench/bareapp: the session, the user, one query, a template
padded to the province dashboard's size) as a province manager, ``/reports/`` as a
province manager, ``/reports/?unit=<id>`` as a manager of that commune. At each
concurrency they run in alternating parts (bare, province, unit, bare, ...) so that
whatever else the machine does weighs on all three alike; each page's figures are its
parts merged (bench.runner.load.combine).

A dashboard page that does not answer 200 to its manager (a 404 while it is being
written, a redirect, an error) is reported as not available and not loaded.

Then once more at N connections while learners post events (``--background-connections``
wrk connections on the event endpoint) and a Celery worker drains them: a dashboard
that caches its figures until the rollups change is measured both when nothing
changes and when they change every second or two, as they do while people study.
"""

import time

from bench.reports import WORK_REPORTS
from bench.reports.incremental import start_worker, worker_tasks
from bench.reports.servers import settle
from bench.reports.wrkrun import combine, wrk, wrk_background
from bench.runner import BenchError, say
from bench.runner.servers import Server
from bench.traffic import http_request

EVENTS_PATH = "/api/progress/events"


def _cookie(who: dict) -> dict:
    return {"Cookie": f"sessionid={who['sessionid']}; csrftoken={who['csrftoken']}"}


def probe(base: str, people: dict) -> dict:
    """One request to each page as its manager: is it there?"""
    pages = {
        "bare": ("/bench/bare/", people["province_managers"][0]),
        "province": ("/reports/", people["province_managers"][0]),
        "unit": (people["unit_path"], people["unit_managers"][0]),
    }
    out = {}
    for name, (path, who) in pages.items():
        status, headers, body = http_request(base + path, headers=_cookie(who))
        out[name] = {
            "path": path,
            "status": status,
            "location": headers.get("Location"),
            "bytes": len(body),
            "available": status == 200,
        }
    if (
        not out["bare"]["available"]
        or b"Baseline for"
        not in http_request(base + "/bench/bare/", headers=_cookie(people["province_managers"][0]))[
            2
        ]
    ):
        raise BenchError(f"bare view as a manager: {out['bare']}; expected 200 with the page")
    return out


def _summary(merged: dict) -> dict:
    latency = merged["latency_ms"]
    bad = sum(merged["status"][k] for k in ("3xx", "4xx", "5xx", "other"))
    return {
        "url": merged["url"],
        "requests": merged["requests"],
        "seconds": merged["seconds"],
        "rps": merged["ok_rps"],
        "p50_ms": latency.get("p50"),
        "p95_ms": latency.get("p95"),
        "p99_ms": latency.get("p99"),
        "max_ms": latency.get("max"),
        "not_2xx": bad,
        "errors": merged["errors"],
        "cpu": merged["cpu"],
        "by_run": merged["by_run"],
    }


def _alternating(
    label: str, base: str, targets: list, connections: int, args, ignore: str | None = None
) -> dict:
    """Each target's parts in turn, ``--slices`` times; each target's merged figures."""
    slices = max(1, args.slices)
    part = max(1, round(args.dashboard_duration / slices))
    say(
        f"wrk: {', '.join(t[0] for t in targets)} at {connections} connection(s){label}, "
        f"{slices} x {part} s each, alternating"
    )
    parts: dict[str, list] = {name: [] for name, _path, _file in targets}
    tag = "-events" if ignore else ""
    for index in range(slices):
        for name, path, sessions in targets:
            run = wrk(
                f"{name}-c{connections}{tag}-{index + 1}",
                base + path,
                "get.lua",
                sessions=WORK_REPORTS / sessions,
                connections=connections,
                threads=1 if connections == 1 else 2,
                duration=part,
                quiet_wait=0 if ignore else args.quiet_wait / slices,
            )
            # The requests still queued when wrk stopped end before the next part.
            quiet = max(1.0, 1.5 * run["latency_us"]["max"] / 1e6)
            run["settled_s"] = settle(quiet, ignore=ignore)
            parts[name].append(run)
    out = {name: _summary(combine(p)) for name, p in parts.items()}
    for name, figures in out.items():
        if figures["not_2xx"]:
            print(
                f"WARNING: {name} at {connections} connection(s){label}: "
                f"{figures['not_2xx']} responses were not 2xx",
                flush=True,
            )
    return out


def _while_events_flow(args, env: dict, base: str, targets: list, servers: list[Server]) -> dict:
    """The pages at N connections while learners post events and the worker drains
    them: every drain that changes the rollups changes what cached reports are keyed
    on, as in the daytime of a deployment."""
    log = WORK_REPORTS / "celery-worker-dashboard.log"
    worker, offset = start_worker(env, log)
    servers.append(worker)
    started = time.time()
    background = wrk_background(
        "events-background",
        base + EVENTS_PATH,
        "events.lua",
        sessions=WORK_REPORTS / "events-sessions.txt",
        activities=WORK_REPORTS / "activities.txt",
        connections=args.background_connections,
    )
    try:
        time.sleep(3)  # the first drains before the first part
        runs = _alternating(
            f" while events flow ({args.background_connections} connections)",
            base,
            targets,
            args.connections,
            args,
            ignore=EVENTS_PATH,
        )
    finally:
        background.terminate()
        background.wait(timeout=30)
        ended = time.time()
        worker.stop()
        servers.remove(worker)
    drains = [
        t
        for t in worker_tasks(log, offset)
        if t["task"] == "reports.tasks.rollups_drain_task" and started <= t["ended"] <= ended
    ]
    changed = sum(1 for t in drains if isinstance(t["result"], int) and t["result"] > 0)
    return {
        "runs": runs,
        "background_connections": args.background_connections,
        "seconds": round(ended - started, 1),
        "drains": len(drains),
        "drains_that_folded_pairs": changed,
    }


def dashboard_phase(args, env: dict, base: str, people: dict, servers: list[Server]) -> dict:
    probes = probe(base, people)
    for name in ("province", "unit"):
        p = probes[name]
        if not p["available"]:
            where = f" → {p['location']}" if p["location"] else ""
            print(
                f"dashboard not available: {name} view {p['path']} answered HTTP "
                f"{p['status']}{where}; its bars fail",
                flush=True,
            )
    targets = [("bare", "/bench/bare/", "province-sessions.txt")]
    if probes["province"]["available"]:
        targets.append(("province", "/reports/", "province-sessions.txt"))
    if probes["unit"]["available"]:
        targets.append(("unit", people["unit_path"], "unit-sessions.txt"))
    runs = {
        f"c{n}": _alternating("", base, targets, n, args) for n in sorted({1, args.connections})
    }
    out = {"probes": probes, "runs": runs, "connections": args.connections}
    if args.background_connections and len(targets) > 1:
        out["while_events_flow"] = _while_events_flow(args, env, base, targets, servers)
    return out

"""The verdict on each bar, the table printed at the end and the JSON files."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bench.reports import WORK_REPORTS
from bench.reports.incremental import EMPTY_MAX_S, GROWTH_FACTOR, GROWTH_SLACK, LAG_MAX_S
from bench.runner.cpu import DISTURBED_PCT, disturbed

BARS = {
    "dashboard_p95_vs_bare_p95_at_n_max": 2.0,
    "dashboard_p95_ms_at_1_max": 300,
    "incremental_lag_max_s": LAG_MAX_S,
    "incremental_growth_factor_max": GROWTH_FACTOR,
    "incremental_growth_slack_pairs": GROWTH_SLACK,
    "incremental_empty_after_load_max_s": EMPTY_MAX_S,
    "rebuild_equals_incremental": True,
}
VIEWS = {"province": "province view", "unit": "unit view"}


def _unavailable(report: dict, view: str) -> str | None:
    probe = report.get("dashboard", {}).get("probes", {}).get(view)
    if probe is None:
        return "not measured"
    if not probe["available"]:
        return f"dashboard not available (HTTP {probe['status']})"
    return None


def verdict(report: dict) -> dict:
    out: dict[str, dict] = {}
    dashboard = report.get("dashboard", {})
    n = dashboard.get("connections")
    runs = dashboard.get("runs", {})
    for view, label in VIEWS.items():
        missing = _unavailable(report, view)
        at_n = runs.get(f"c{n}", {})
        at_1 = runs.get("c1", {})
        key_n, key_1 = f"{view}_p95_vs_bare_at_{n}", f"{view}_p95_ms_at_1"
        if missing or view not in at_n or view not in at_1:
            reason = missing or "not measured"
            out[key_n] = {"label": f"{label} p95 ÷ bare p95, {n} connections", "value": reason}
            out[key_n].update(bar=f"<= {BARS['dashboard_p95_vs_bare_p95_at_n_max']}", ok=False)
            out[key_1] = {"label": f"{label} p95, 1 connection", "value": reason}
            out[key_1].update(bar=f"< {BARS['dashboard_p95_ms_at_1_max']} ms", ok=False)
            continue
        dash, bare = at_n[view], at_n["bare"]
        ratio = round(dash["p95_ms"] / bare["p95_ms"], 2) if bare["p95_ms"] else None
        errors = dash["not_2xx"] + at_1[view]["not_2xx"]
        out[key_n] = {
            "label": f"{label} p95 ÷ bare p95, {n} connections",
            "value": f"{ratio} ({dash['p95_ms']} / {bare['p95_ms']} ms)",
            "bar": f"<= {BARS['dashboard_p95_vs_bare_p95_at_n_max']}",
            "ok": ratio is not None
            and ratio <= BARS["dashboard_p95_vs_bare_p95_at_n_max"]
            and not errors,
        }
        p95 = at_1[view]["p95_ms"]
        out[key_1] = {
            "label": f"{label} p95, 1 connection",
            "value": f"{p95} ms",
            "bar": f"< {BARS['dashboard_p95_ms_at_1_max']} ms",
            "ok": p95 < BARS["dashboard_p95_ms_at_1_max"] and not errors,
        }
        if errors:
            out[key_n]["value"] += f", {errors} responses not 2xx"
    inc = report.get("incremental")
    if inc:
        c, q = inc["criterion"], inc["queue"]
        out["incremental_keeps_up"] = {
            "label": "incremental rollups keep up with the event endpoint",
            "value": (
                f"lag {q['max_age_s_last_third']} s {'ok' if c['lag_ok'] else 'TOO HIGH'}; "
                f"queue by third {q['mean_by_third']} {'flat' if c['growth_ok'] else 'GROWING'}; "
                f"empty {q['empty_after_load_s']} s after "
                f"{'ok' if c['empty_ok'] else 'TOO LATE'}"
            ),
            "bar": (
                f"lag <= {LAG_MAX_S:g} s, last third <= {GROWTH_FACTOR:g} x middle + "
                f"{GROWTH_SLACK}, empty <= {EMPTY_MAX_S:g} s"
            ),
            "ok": c["keeps_up"],
        }
    else:
        out["incremental_keeps_up"] = {
            "label": "incremental rollups keep up with the event endpoint",
            "value": "not measured",
            "bar": "see bench.reports.incremental",
            "ok": False,
        }
    check = report.get("check")
    out["rebuild_equals_incremental"] = {
        "label": "rebuild equals incremental (rollups_check)",
        "value": "not measured"
        if not check
        else (
            f"{'equal' if check['equal'] else 'DIFFERENT'}: {check['facts_checked']:,} facts, "
            f"{check['facts_differing']} differing, {check['cells_missing']} cells missing, "
            f"{check['cells_extra']} extra, {check['queued']} queued"
        ),
        "bar": "equal",
        "ok": bool(check and check["equal"]),
    }
    return out


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<38} {value:>14}  {note}".rstrip())


def _n(x) -> str:
    return "—" if x is None else f"{x:,}" if isinstance(x, int) else f"{x:,.1f}"


def print_table(report: dict) -> None:
    config = report["config"]
    gen = report.get("generated", {})
    print()
    print(
        f"Reports benchmark: {_n(gen.get('learners'))} learners, {_n(gen.get('events'))} events, "
        f"{len(gen.get('courses', []))} courses, {_n(gen.get('enrolments'))} enrolments "
        f"({report['machine'].get('cpus')} CPUs, {report['machine'].get('postgres')})"
    )
    print("Data")
    if "migrate_seconds" in report:
        _row("migrate (a fresh database)", f"{report['migrate_seconds']:,.0f} s")
    if "generation_seconds" in report:
        _row("generation", f"{report['generation_seconds']:,.0f} s")
        for name, seconds in gen.get("steps_s", {}).items():
            print(f"      {seconds:>7,.1f} s  {name}")
    elif config.get("reuse"):
        _row("generation", "reused", f"(took {gen.get('seconds', '?')} s when generated)")
    rb = report.get("rebuild")
    if rb:
        _row(
            "rollups_rebuild() from scratch",
            f"{rb['seconds']:,.1f} s",
            f"(facts {rb['facts_seconds']:g} s, cells {rb['cells_seconds']:g} s): "
            f"{rb['facts']:,} facts, {rb['cells']:,} cells",
        )
    an = report.get("analyze")
    if an:
        _row(
            "ANALYZE of the rollup tables",
            f"{an['seconds']:g} s",
            f"(after the rebuild, as autovacuum would; autovacuum is {an['autovacuum']} here)",
        )
    ex = report.get("explain")
    if ex:
        d, c = ex["drain"], ex["rebuild_chunk"]
        _row(
            "one drain (in-process)",
            f"{d['seconds']:.2f} s",
            f"for {d['pairs']} pairs: {d['pairs'] / max(d['seconds'], 1e-9):,.0f} pairs/s, "
            f"{d['queries']} queries",
        )
        _row(
            "one rebuild chunk (in-process)",
            f"{c['seconds']:.2f} s",
            f"for {c['learners']:,} learners ({c['facts']:,} facts)",
        )
    inc = report.get("incremental")
    if inc:
        q, dr = inc["queue"], inc["drains"]
        print(
            f"Incremental: {config['event_connections']} connections posting 10 events a "
            f"request for {config['duration_s']} s as {report['people']['learners']:,} learners"
        )
        mark = "*" if disturbed(inc["wrk"]["cpu"]) else ""
        _row("events accepted by the endpoint", f"{_n(inc['events_per_s'])} /s{mark}")
        _row("requests (one changed pair each)", f"{_n(inc['requests_per_s'])} /s")
        _row(
            "pairs folded by the worker",
            f"{_n(dr['pairs_per_s'])} /s",
            f"({dr['count']} drains, busy {100 * dr['busy_fraction']:.0f} % of the time, "
            f"{_n(dr['pairs_per_busy_s'])} pairs per busy second, longest {dr['longest_s']} s)",
        )
        _row(
            "queue at start / middle / end",
            f"{_n(q['at_start'])} / {_n(q['at_middle'])} / {_n(q['at_end'])}",
            f"(means by third {q['mean_by_third']}, max {_n(q['max'])})",
        )
        _row("oldest queued pair, last third", f"{_n(q['max_age_s_last_third'])} s")
        _row("queue empty after the load", f"{_n(q['empty_after_load_s'])} s")
        _row("events absorbed by the rollups", f"{_n(inc['events_absorbed_per_s'])} /s")
        lw = inc["lock_waits"]
        if lw["samples"]:
            top = next(iter(lw["by_statement"]), "")
            _row(
                "statements waiting on a lock",
                f"{100 * lw['samples_with_waiters'] / lw['samples']:.0f} % of s",
                f"(at most {lw['max_waiters']} at once{'; most often: ' + top if top else ''})",
            )
        v = inc["verify"]
        _row(
            "events in the database",
            f"{v['rows_in_db']:,}",
            f"(server said {v['stored_reported_by_server']:,} stored: "
            f"{'ok' if v['ok'] else 'MISMATCH'})",
        )
    check = report.get("check")
    if check:
        _row("rollups_check()", f"{check['seconds']:,.1f} s", "equal" if check["equal"] else "")
    dash = report.get("dashboard")
    if dash:
        print(f"{'Dashboard':<40} {'p50':>8} {'p95':>8} {'p99':>8} {'req/s':>8}")
        for key in sorted(dash["runs"], key=lambda k: int(k[1:])):
            for name, f in dash["runs"][key].items():
                label = f"{name}, {key[1:]} connection{'s' if key != 'c1' else ''}"
                mark = "*" if disturbed(f["cpu"]) else ""
                print(
                    f"  {label:<38} {_n(f['p50_ms']):>8} {_n(f['p95_ms']):>8} "
                    f"{_n(f['p99_ms']):>8} {_n(f['rps']):>8}{mark}"
                )
        flow = dash.get("while_events_flow")
        if flow:
            print(
                f"  while events flow ({flow['background_connections']} connections posting; "
                f"{flow['drains_that_folded_pairs']} drains changed the rollups in "
                f"{flow['seconds']:g} s):"
            )
            bare = flow["runs"].get("bare", {})
            for name, f in flow["runs"].items():
                label = f"{name}, {dash['connections']} connections"
                mark = "*" if disturbed(f["cpu"]) else ""
                ratio = ""
                if name != "bare" and bare.get("p95_ms"):
                    ratio = f"  ({f['p95_ms'] / bare['p95_ms']:.2f} x bare p95, not a bar)"
                print(
                    f"  {label:<38} {_n(f['p50_ms']):>8} {_n(f['p95_ms']):>8} "
                    f"{_n(f['p99_ms']):>8} {_n(f['rps']):>8}{mark}{ratio}"
                )
        for name in ("province", "unit"):
            renders = report.get("people", {}).get("probes", {}).get(name) or []
            if len(renders) == 2 and renders[0]["status"] == 200:
                first, again = renders
                print(
                    f"  {name} in-process: {first['queries']} queries, {first['sql_ms']:g} ms "
                    f"of SQL, {first['ms']:g} ms in all, {first['bytes']:,} bytes; "
                    f"again: {again['queries']} queries, {again['ms']:g} ms"
                )
        for name, p in dash["probes"].items():
            if not p["available"]:
                print(f"  {name}: dashboard not available (HTTP {p['status']} for {p['path']})")
    others = _disturbers(report)
    if others:
        print(
            f"  * other processes used {DISTURBED_PCT}% of a core or more during the run "
            f"({others}): its figures are lower than the product's"
        )
    print("Bars")
    for v in report["verdict"].values():
        print(f"  {'PASS' if v['ok'] else 'FAIL'}  {v['label']}: {v['value']}  (bar: {v['bar']})")


def _disturbers(report: dict) -> str:
    """The other processes that used the CPU during disturbed runs, most first."""
    cpus = []
    if report.get("incremental"):
        cpus.append(report["incremental"]["wrk"]["cpu"])
    dash = report.get("dashboard", {})
    for runs in [*dash.get("runs", {}).values(), dash.get("while_events_flow", {}).get("runs", {})]:
        cpus += [f["cpu"] for f in runs.values()]
    names: dict[str, int] = {}
    for cpu in cpus:
        if disturbed(cpu):
            for name, pct in cpu["other_processes_pct"].items():
                names[name] = max(names.get(name, 0), pct)
    return ", ".join(f"{k} up to {v}%" for k, v in sorted(names.items(), key=lambda kv: -kv[1]))


def write_results(report: dict) -> Path:
    WORK_REPORTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = WORK_REPORTS / f"results-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), "utf-8")
    latest = WORK_REPORTS / "results-latest.json"
    shutil.copyfile(path, latest)
    return latest

"""The outcome of a run: the verdict on each bar, the table, the JSON summary line and
the files in bench/results/."""

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.runner import RESULTS
from bench.runner.cpu import DISTURBED_PCT, disturbed

BARS = {
    # Every chat line and every other room event reaches every learner, once, in order.
    "lost_max": 0,
    # The machine's speed varies from day to day: the room's delivery rate is judged
    # against the relay's, measured in the same run on the same server.
    "room_vs_relay_min": 0.50,
    # From the host's send to the last of the learners' deliveries, per chat line.
    "fanout_p95_ms_max": 500,
}


def verdict(report: dict) -> dict:
    room, relay = report["room"]["chat"], report["relay"]["chat"]
    events = report["room"]["events"]
    lost = room["lost"] + events["missing"]
    disorder = events["duplicates"] + events["out_of_order"]
    ratio = room["deliveries_per_s"] / relay["deliveries_per_s"] if relay["deliveries_per_s"] else 0
    p95 = room["fanout_ms"]["p95"]
    return {
        "lost": {
            "value": lost,
            "detail": f"{room['lost']} chat deliveries + {events['missing']} room events "
            f"missing; {disorder} duplicated or out of order; "
            f"{sum(room['closed_by_server'].values())} sockets closed by the server",
            "bar": f"== {BARS['lost_max']}",
            "pass": lost <= BARS["lost_max"] and disorder == 0,
        },
        "room_vs_relay": {
            "value": round(ratio, 3),
            "detail": f"{room['deliveries_per_s']} vs {relay['deliveries_per_s']} deliveries/s",
            "bar": f">= {BARS['room_vs_relay_min']:.0%}",
            "pass": ratio >= BARS["room_vs_relay_min"],
        },
        "fanout_p95_ms": {
            "value": p95,
            "detail": f"{report['config']['learners']} learners, "
            f"{report['config']['rate_per_s']:g} lines/s",
            "bar": f"< {BARS['fanout_p95_ms_max']}",
            "pass": p95 is not None and p95 < BARS["fanout_p95_ms_max"],
        },
    }


def write_results(report: dict) -> Path:
    """live-latest.json, plus a copy named after the time, so that runs can be compared."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=1, ensure_ascii=False)
    latest = RESULTS / "live-latest.json"
    latest.write_text(text, "utf-8")
    (RESULTS / f"live-{stamp}.json").write_text(text, "utf-8")
    return latest


def summary(report: dict) -> dict:
    """The figures that matter, in one line of JSON."""
    room, relay = report["room"], report["relay"]
    return {
        "bench": "live",
        "started_at": report["started_at"],
        "learners": report["config"]["learners"],
        "messages": report["config"]["messages"],
        "rate_per_s": report["config"]["rate_per_s"],
        "join_over_s": report["config"]["join_over_s"],
        "product": report["product"],
        "room": {
            "connected": room["connect"]["ok"],
            "registered": room["register"]["ok"],
            "connect_s": room["connect"]["seconds"],
            "register_s": room["register"]["seconds"],
            "closed_by_server": sum(room["chat"]["closed_by_server"].values()),
            "deliveries_per_s": room["chat"]["deliveries_per_s"],
            "fanout_p50_ms": room["chat"]["fanout_ms"]["p50"],
            "fanout_p95_ms": room["chat"]["fanout_ms"]["p95"],
            "lost": room["chat"]["lost"],
            "events_missing": room["events"]["missing"],
            "kib_per_connection": room["memory"]["kib_per_connection"],
            "vote_ack_p95_ms": room["poll"]["vote_ack_ms"]["p95"],
        },
        "relay": {
            "connected": relay["connect"]["ok"],
            "connect_s": relay["connect"]["seconds"],
            "closed_by_server": sum(relay["chat"]["closed_by_server"].values()),
            "deliveries_per_s": relay["chat"]["deliveries_per_s"],
            "fanout_p50_ms": relay["chat"]["fanout_ms"]["p50"],
            "fanout_p95_ms": relay["chat"]["fanout_ms"]["p95"],
            "lost": relay["chat"]["lost"],
            "kib_per_connection": relay["memory"]["kib_per_connection"],
        },
        "verdict": {
            k: {"value": v["value"], "pass": v["pass"]} for k, v in report["verdict"].items()
        },
    }


def _ms(q: dict) -> str:
    if q.get("p50") is None:
        return "-"
    return f"{q['p50']:.0f} / {q['p95']:.0f} / {q['max']:.0f}"


def _cpu(cpu: dict) -> str:
    return ", ".join(f"{k} {v}%" for k, v in cpu["cpu_pct"].items())


def _lost(chat: dict, drain: float) -> str:
    text = str(chat["lost"])
    if chat["lost"]:
        text += f" ({chat['lines_to_nobody']} lines reached nobody within {drain:g} s"
        if "host_acks" in chat:
            text += f"; {chat['host_acks']}/{chat['lines']} acknowledged to the host"
        text += ")"
    return text


def _closed(phase: dict) -> str:
    codes = phase["chat"]["closed_by_server"]
    text = ", ".join(f"{n} with {code}" for code, n in codes.items()) if codes else "0"
    if phase["host"]["closed_by_server"]:
        text += f"; the host's {len(phase['host']['closed_by_server'])} time(s), reopened"
    return text


def print_table(report: dict) -> None:
    cfg, room, relay = report["config"], report["room"], report["relay"]
    machine = report["machine"]
    print()
    print("=" * 100)
    print(
        f"Live classroom benchmark — {cfg['learners']} learners in one room, "
        f"{cfg['messages']} chat lines at {cfg['rate_per_s']:g}/s, "
        + (
            f"arriving over {cfg['join_over_s']:g} s, "
            if cfg["join_over_s"]
            else "arriving at once, "
        )
        + f"{machine['cpus']} CPUs ({machine.get('cpu', '?')})"
    )
    print(
        f"server: {cfg['server']}; {cfg['settings']}, "
        f"PostgreSQL, Redis ({cfg['redis']}); clients: websockets {machine.get('websockets')} "
        f"in {cfg['client_procs']} process(es), permessage-deflate "
        f"{'offered' if cfg['deflate'] else 'off'}"
    )
    product = report["product"]
    print(
        f"product: commit {product['commit']}"
        + (
            f" with {product['live_and_config_changed_files']} changed files in live/ and config/"
            if product["live_and_config_changed_files"]
            else ""
        )
        + f"; their sources' digest {product['sources_sha256']}"
    )
    print("=" * 100)
    reg = room["register"]
    rows = [
        ("", "room (/ws/live/)", "relay baseline"),
        (
            "connected",
            f"{room['connect']['ok']}/{cfg['learners']} in {room['connect']['seconds']} s",
            f"{relay['connect']['ok']}/{cfg['learners']} in {relay['connect']['seconds']} s",
        ),
        (
            "registered (state received)",
            f"{reg['ok']}, the last at {reg['seconds']} s (each p50 "
            f"{reg['register_ms']['p50']:.0f} ms, max {reg['register_ms']['max']:.0f} ms)",
            "-",
        ),
        ("largest state frame", f"{reg['state_bytes_max'] / 1024:.0f} KiB", "-"),
        ("sockets closed by the server", _closed(room), _closed(relay)),
        (
            "server RSS before → after",
            f"{room['memory']['rss_kib_before'] / 1024:.0f} → "
            f"{room['memory']['rss_kib_after'] / 1024:.0f} MiB",
            f"{relay['memory']['rss_kib_before'] / 1024:.0f} → "
            f"{relay['memory']['rss_kib_after'] / 1024:.0f} MiB",
        ),
        (
            "memory per connection",
            f"{room['memory']['kib_per_connection']:.0f} KiB",
            f"{relay['memory']['kib_per_connection']:.0f} KiB (*)",
        ),
        (
            "chat deliveries / expected",
            f"{room['chat']['deliveries']} / {room['chat']['expected_deliveries']}",
            f"{relay['chat']['deliveries']} / {relay['chat']['expected_deliveries']}",
        ),
        ("lost", _lost(room["chat"], cfg["drain_s"]), _lost(relay["chat"], cfg["drain_s"])),
        (
            "other room events missing",
            f"{room['events']['missing']} (events up to seq {room['events']['final_seq']})",
            "-",
        ),
        (
            "duplicates / out of order",
            f"{room['chat']['duplicates']} / {room['chat']['out_of_order']}",
            f"{relay['chat']['duplicates']} / {relay['chat']['out_of_order']}",
        ),
        (
            "delivered per second",
            f"{room['chat']['deliveries_per_s']} (offered {room['chat']['offered_deliveries_per_s']})",
            f"{relay['chat']['deliveries_per_s']} (offered {relay['chat']['offered_deliveries_per_s']})",
        ),
        (
            "fan-out ms p50 / p95 / max",
            _ms(room["chat"]["fanout_ms"]),
            _ms(relay["chat"]["fanout_ms"]),
        ),
        (
            "each delivery ms p50 / p95 / max",
            _ms(room["chat"]["delivery_ms"]),
            _ms(relay["chat"]["delivery_ms"]),
        ),
        ("host's ack ms p50 / p95 / max", _ms(room["chat"]["host_ack_ms"]), "-"),
        (
            "server settling after all left",
            f"{room['leave']['seconds']} s ({room['leave']['cpu_s']} s CPU)",
            f"{relay['leave']['seconds']} s ({relay['leave']['cpu_s']} s CPU)",
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    col = max(len(r[1]) for r in rows) + 2
    for label, a, b in rows:
        print(f"{label:<{width}}{a:<{col}}{b}")
    print(
        "(*) the relay's sockets open in the same process after the room's have closed: "
        "memory the room\n    freed is reused, so this figure reads low."
    )
    print("CPU during the chat lines (% of one core):")
    for name, phase in (("room", room), ("relay", relay)):
        mark = " *" if disturbed(phase["chat_cpu"]) else ""
        print(
            f"  {name + ':':<7}{_cpu(phase['chat_cpu'])}; the clients "
            f"{phase['chat_cpu']['clients_cpu_s']} s of CPU{mark}"
        )
    if disturbed(room["chat_cpu"]) or disturbed(relay["chat_cpu"]):
        print(
            f"  * other processes used {DISTURBED_PCT}% of a core or more meanwhile: the "
            "figures are lower than the product's; run again on an idle machine"
        )
    print_server_cpu(report)
    print_profile(report)
    poll = room["poll"]
    print()
    print(
        f"poll: opened (ack {poll['opened_ack_ms']} ms), reached {poll['opened_deliveries']} "
        f"learners, the last {poll['opened_fanout_ms']} ms after the host sent it;\n"
        f"  votes {poll['votes_acked']}/{poll['votes_sent']} acknowledged"
        + (f" (errors {poll['vote_errors']})" if poll["vote_errors"] else "")
        + f", ack ms p50 / p95 / max {_ms(poll['vote_ack_ms'])};\n"
        f"  {poll['results_events']} results events, the full count "
        f"{poll['results_complete_after_last_vote_ms']} ms after the last vote's ack;\n"
        f"  closed: reached {poll['closed_deliveries']}, the last {poll['closed_fanout_ms']} ms "
        f"after; final counts {poll['final_counts']} "
        f"({'match' if poll['counts_match_votes'] else 'DO NOT match'} the acknowledged votes);\n"
        f"  CPU {_cpu(poll['cpu'])}"
    )
    print()
    for name, v in report["verdict"].items():
        mark = "PASS" if v["pass"] else "FAIL"
        print(f"  {mark}  {name:<16} {v['value']!s:<10} (bar {v['bar']}; {v['detail']})")


def profile_summary(path: Path) -> list[dict]:
    """The profiler's figures per phase, as written by bench.live.profiler."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def print_server_cpu(report: dict) -> None:
    print()
    print("server CPU by phase (seconds of CPU per thread over the phase's wall time):")
    for label, phase in report.get("server_cpu_by_phase", {}).items():
        threads = ", ".join(f"{k} {v}" for k, v in list(phase["cpu_s"].items())[:4])
        print(f"  {label:<18} {phase['seconds']:>6} s: {threads or '-'}")


OWN = ("live/", "courses/", "lms/", "bench/live/relay.py")


def print_profile(report: dict) -> None:
    """Per phase and thread: the functions with the most time of their own, and the
    project's functions with the most time inside them (callees included)."""
    for phase in report.get("profile", []):
        threads = {k: v for k, v in phase["threads"].items() if v["self_s"] >= 0.5}
        if not threads:
            continue
        print()
        print(f"profile, {phase['phase']} (seconds; calls):")
        for name, t in threads.items():
            print(f"  {name}: {t['self_s']} s profiled")
            for function, calls, own, _total in t["top_self"][:8]:
                print(f"    self {own:7.2f}  {calls:>8}  {function}")
            own_code = [row for row in t["top_total"] if any(f"({p}" in row[0] for p in OWN)]
            for function, calls, _own, total in own_code[:6]:
                print(f"    in   {total:7.2f}  {calls:>8}  {function}")

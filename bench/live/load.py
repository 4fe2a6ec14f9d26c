"""The two measured phases, each against the same server: the product's room and the
relay baseline. Both connect the same learners, send the same chat lines at the same
pace from the host's socket, and are measured the same way; the room then runs a poll.
"""

import asyncio
import json
import os
import signal
import time
from pathlib import Path

from bench.live.host import Host, chat_text
from bench.runner import PYTHON, ROOT, BenchError, say
from bench.runner.cpu import BENCH_GROUPS, cpu_delta, cpu_snapshot

POLL_QUESTION = "Người Tày chào nhau thế nào khi gặp người lớn tuổi?"
POLL_OPTIONS = ["Slao cạ!", "Pây lăng?", "Kin khẩu dá?"]


# --- the server process, from /proc -------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        ticks = os.sysconf("SC_CLK_TCK")
        out = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                raw = (task / "stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2 :].split()
            out[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
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


# --- the client processes -----------------------------------------------------------


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


def summed(answers: list[dict], key: str) -> int:
    return sum(a[key] for a in answers)


# --- figures ---------------------------------------------------------------------------


def quantiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    values = sorted(values)

    def q(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": round(values[-1], 1)}


def merge_analyses(answers: list[dict]) -> dict:
    per_message: dict[int, list] = {}
    types: dict[str, list] = {}
    latencies: list[float] = []
    for answer in answers:
        for key, (n, first, last) in answer["per_message"].items():
            row = per_message.setdefault(int(key), [0, first, last])
            row[0] += n
            row[1] = min(row[1], first)
            row[2] = max(row[2], last)
        for kind, (n, first, last) in answer["types"].items():
            row = types.setdefault(kind, [0, first, last])
            row[0] += n
            row[1] = min(row[1], first)
            row[2] = max(row[2], last)
        latencies.extend(answer["latencies_ms"])
    votes = [a["votes"] for a in answers]
    merged = {
        "per_message": per_message,
        "types": types,
        "latencies_ms": latencies,
        "learners": summed(answers, "learners"),
        "registered": summed(answers, "registered"),
        "missing_events": summed(answers, "missing_events"),
        "learners_incomplete": summed(answers, "learners_incomplete"),
        "duplicates": summed(answers, "duplicates"),
        "out_of_order": summed(answers, "out_of_order"),
        "missing_examples": [e for a in answers for e in a["missing_examples"]][:5],
        "closed_by_server": {},
        "errors": {},
        "votes": {
            "sent": sum(v["sent"] for v in votes),
            "acked": sum(v["acked"] for v in votes),
            "errors": {},
            "ack_ms": [x for v in votes for x in v["ack_ms"]],
            "first_sent": min((v["first_sent"] for v in votes if v["first_sent"]), default=None),
            "last_acked": max((v["last_acked"] for v in votes if v["last_acked"]), default=None),
        },
    }
    for answer in answers:
        for field in ("closed_by_server", "errors"):
            for k, v in answer[field].items():
                merged[field][k] = merged[field].get(k, 0) + v
        for k, v in answer["votes"]["errors"].items():
            merged["votes"]["errors"][k] = merged["votes"]["errors"].get(k, 0) + v
    return merged


def chat_figures(
    merged: dict, sends: dict[int, float], learners: int, rate: float, acks: dict | None
) -> dict:
    """Fan-out per chat line (send to the last learner's delivery), deliveries and loss,
    and the rate delivered from the first send to the last delivery."""
    fanout = []
    incomplete_lines = 0
    registered = merged["registered"]
    for index, sent in sends.items():
        row = merged["per_message"].get(index)
        if row is None:
            incomplete_lines += 1
            continue
        if row[0] < registered:
            incomplete_lines += 1
        fanout.append(1000 * (row[2] - sent))
    deliveries = sum(row[0] for i, row in merged["per_message"].items() if i in sends)
    # Lines nobody got: never posted (the room did not take them), or, on the relay, a
    # group message the channel layer dropped (over its capacity of 100 per process).
    nobody = sorted(i for i in sends if i not in merged["per_message"])
    expected = learners * len(sends)
    first_send = min(sends.values())
    last_delivery = max((row[2] for row in merged["per_message"].values()), default=first_send)
    span = max(last_delivery - first_send, 1e-9)
    figures = {
        "lines": len(sends),
        "rate_per_s": rate,
        "offered_deliveries_per_s": round(registered * rate),
        "expected_deliveries": expected,
        "deliveries": deliveries,
        "lost": expected - deliveries,
        "lost_to_unconnected": (learners - registered) * len(sends),
        "lines_not_everywhere": incomplete_lines,
        "lines_to_nobody": len(nobody),
        "lines_to_nobody_first": nobody[:20],
        "duplicates": merged["duplicates"],
        "out_of_order": merged["out_of_order"],
        "missing_events": merged["missing_events"],
        "missing_examples": merged["missing_examples"],
        "send_to_last_delivery_s": round(span, 3),
        "deliveries_per_s": round(deliveries / span),
        "fanout_ms": quantiles(fanout),
        "delivery_ms": quantiles(merged["latencies_ms"]),
        "closed_by_server": merged["closed_by_server"],
        "client_errors": merged["errors"],
    }
    if acks is not None:
        ack_ms = [
            1000 * (acks[f"chat-{i}"][0] - sent) for i, sent in sends.items() if f"chat-{i}" in acks
        ]
        figures["host_ack_ms"] = quantiles(ack_ms)
        figures["host_acks"] = len(ack_ms)
    return figures


# --- the phases --------------------------------------------------------------------------


async def send_lines(
    host: Host, room: bool, count: int, rate: float, author: dict
) -> tuple[dict, float]:
    """``count`` chat lines at ``rate`` a second on a fixed schedule; each carries its
    index and the time it was sent. Returns the send times and the worst lag behind
    the schedule (the host's loop being late)."""
    sends: dict[int, float] = {}
    lag = 0.0
    start = time.monotonic()
    for index in range(count):
        due = start + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.monotonic() - due)
        sent = time.time()
        sends[index] = sent
        if room:
            await host.send_action(f"chat-{index}", "chat.send", text=chat_text(index, sent))
        else:
            await host.send_relay(index, sent, author["user_id"], author["name"])
    return sends, round(1000 * lag, 1)


async def connect_learners(workers: Workers, args, registering: bool) -> dict:
    answers = await workers.call(
        {
            "cmd": "join",
            "concurrency": args.connect_concurrency,
            "timeout": 600,
            "spread": args.join_over,
            "register": registering,
        }
    )
    closed: dict[str, int] = {}
    for a in answers:
        for code, n in a["closed_by_server"].items():
            closed[code] = closed.get(code, 0) + n
    connected = {
        "ok": summed(answers, "ok"),
        "failed": summed(answers, "failed"),
        "errors": {k: v for a in answers for k, v in a["errors"].items()},
        "seconds": max(a["seconds"] for a in answers),
        "spread_s": args.join_over,
        "handshake_ms_by_process": [a["handshake_ms"] for a in answers],
    }
    print(
        f"connected {connected['ok']}/{args.learners} in {connected['seconds']} s"
        + (f" (arriving over {args.join_over:g} s)" if args.join_over else "")
        + (f"; failed: {connected['errors']}" if connected["failed"] else ""),
        flush=True,
    )
    result = {"connect": connected}
    if registering:
        registered = {
            "ok": summed(answers, "registered"),
            "failed": connected["ok"] - summed(answers, "registered"),
            "seconds": max(a["registered_s"] for a in answers),
            "state_bytes_max": max(a["state_bytes_max"] for a in answers),
            "register_ms": quantiles([x for a in answers for x in a["register_ms"]]),
            "closed_by_server": closed,
            "user_ids": [u for a in answers for u in a["user_ids"]],
        }
        print(
            f"registered {registered['ok']}/{connected['ok']}, the last {registered['seconds']} s "
            f"after the first arrival (each: p50 {registered['register_ms']['p50']} ms, max "
            f"{registered['register_ms']['max']} ms; largest state "
            f"{registered['state_bytes_max'] / 1024:.0f} KiB)"
            + (f"; sockets closed by the server: {closed}" if closed else ""),
            flush=True,
        )
        result["register"] = registered
    elif closed:
        print(f"sockets closed by the server: {closed}", flush=True)
    return result


async def room_phase(args, seed: dict, ws_base: str, origin: str, probe: ServerProbe, env, log_dir):
    server_pid = probe.pid
    say(f"room: {args.learners} learners in live session {seed['session_id']}")
    url = f"{ws_base}/ws/live/{seed['session_id']}/"
    cookie_name = seed["session_cookie"]
    report: dict = {"url_path": f"/ws/live/{seed['session_id']}/"}
    report["rss_kib_idle"] = rss_kib(server_pid)
    host = Host(
        url,
        origin,
        f"{cookie_name}={seed['host']['sessionid']}",
        deflate=args.deflate,
        room=True,
    )
    await host.open()
    workers = Workers(args.client_procs, env, log_dir)
    try:
        await workers.start(
            {
                "mode": "room",
                "url": url,
                "origin": origin,
                "cookie_name": cookie_name,
                "deflate": args.deflate,
                "vote_within": args.vote_within,
            },
            seed["learners"][: args.learners],
            "room",
        )
        rss_before = rss_kib(server_pid)
        cpu_before = cpu_seconds(server_pid)
        probe.mark("before the room")
        started = time.monotonic()
        report.update(await connect_learners(workers, args, registering=True))
        registered_ids = set(report["register"].pop("user_ids"))

        # Presence: the room learns who arrived in batches; wait until it has been told
        # of everyone and nothing more comes for two seconds.
        # (A learner whose socket the server closed is never listed: after 15 s the
        # bench stops waiting for everyone and waits only for the news to stop.)
        settle_started = time.monotonic()
        while time.monotonic() - settle_started < 180:
            everyone = registered_ids <= host.listed()
            if everyone or time.monotonic() - settle_started > 15:
                seen = len(host.events)
                await asyncio.sleep(2)
                if len(host.events) == seen:
                    break
            else:
                await asyncio.sleep(0.5)
        listed = host.listed()
        report["presence"] = {
            "listed_learners": len(registered_ids & listed),
            "settled_s": round(time.monotonic() - settle_started, 1),
        }
        report["join_s"] = round(time.monotonic() - started, 1)
        report["join_server_cpu_s"] = round(cpu_seconds(server_pid) - cpu_before, 1)
        rss_after = rss_kib(server_pid)
        report["memory"] = {
            "rss_kib_before": rss_before,
            "rss_kib_after": rss_after,
            "connections": report["register"]["ok"],
            "kib_per_connection": round(
                (rss_after - rss_before) / max(report["register"]["ok"], 1), 1
            ),
            "server_threads": threads(server_pid),
        }
        probe.mark("room: join")
        print(
            f"presence settled: the room lists {report['presence']['listed_learners']} "
            f"learners; server RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB "
            f"({report['memory']['kib_per_connection']} KiB per connection)",
            flush=True,
        )

        # Chat at a fixed pace.
        say(f"room: the host sends {args.messages} chat lines at {args.rate}/s")
        cpu = cpu_snapshot()
        clients_cpu = workers.cpu_seconds()
        sends, lag = await send_lines(host, True, args.messages, args.rate, seed["host"])
        waited = await workers.call({"cmd": "wait", "chats": args.messages, "timeout": args.drain})
        probe.mark("room: chat")
        report["chat_cpu"] = cpu_window(cpu)
        report["chat_cpu"]["clients_cpu_s"] = round(workers.cpu_seconds() - clients_cpu, 1)
        report["chat_wait"] = {
            "incomplete": summed(waited, "incomplete"),
            "closed": summed(waited, "closed"),
            "seconds": max(w["seconds"] for w in waited),
        }
        report["host_lag_ms"] = lag

        # A poll: opened by the host, answered by every learner within --vote-within
        # seconds, its results batched by the room, closed by the host.
        say(f"room: a poll, {len(POLL_OPTIONS)} options, answered within {args.vote_within} s")
        cpu = cpu_snapshot()
        opened_at = time.time()
        poll_id = (
            await host.act("poll-open", "poll.open", question=POLL_QUESTION, options=POLL_OPTIONS)
        )["poll"]
        opened_acked = time.time()
        voted = await workers.call(
            {"cmd": "wait", "votes": True, "timeout": args.vote_within + args.drain}
        )
        acked_votes = summed(voted, "acked_votes")
        results = await host.wait_event(
            lambda f: (
                f["event"]["type"] == "poll.results"
                and f["event"]["id"] == poll_id
                and sum(f["event"]["counts"]) >= acked_votes
            ),
            30,
        )
        closed_at = time.time()
        await host.act("poll-close", "poll.close", poll=poll_id)
        closed = await host.wait_event(
            lambda f: f["event"]["type"] == "poll.closed" and f["event"]["id"] == poll_id, 30
        )
        if closed is None:
            raise BenchError("the host never heard the poll close")
        final_seq = closed[1]["seq"]
        waited = await workers.call({"cmd": "wait", "seq": final_seq, "timeout": args.drain})
        poll_cpu = cpu_window(cpu)
        probe.mark("room: poll")

        merged = merge_analyses(
            await workers.call(
                {"cmd": "analyze", "messages": args.messages, "final_seq": final_seq}
            )
        )
        report["chat"] = chat_figures(merged, sends, args.learners, args.rate, host.acks)
        results_count = [
            f["event"]["counts"]
            for _at, f in host.events
            if f["event"]["type"] == "poll.results" and f["event"]["id"] == poll_id
        ]
        votes = merged["votes"]
        poll_types = merged["types"]
        report["poll"] = {
            "id": poll_id,
            "opened_ack_ms": round(1000 * (opened_acked - opened_at), 1),
            "opened_fanout_ms": round(1000 * (poll_types["poll.opened"][2] - opened_at), 1)
            if "poll.opened" in poll_types
            else None,
            "opened_deliveries": poll_types.get("poll.opened", [0])[0],
            "votes_sent": votes["sent"],
            "votes_acked": votes["acked"],
            "vote_errors": votes["errors"],
            "vote_ack_ms": quantiles(votes["ack_ms"]),
            "votes_first_sent_to_last_acked_s": round(votes["last_acked"] - votes["first_sent"], 2)
            if votes["last_acked"] and votes["first_sent"]
            else None,
            "results_events": len(results_count),
            "results_complete_after_last_vote_ms": round(
                1000 * (results[0] - votes["last_acked"]), 1
            )
            if results and votes["last_acked"]
            else None,
            "results_deliveries": poll_types.get("poll.results", [0])[0],
            "closed_fanout_ms": round(1000 * (poll_types["poll.closed"][2] - closed_at), 1)
            if "poll.closed" in poll_types
            else None,
            "closed_deliveries": poll_types.get("poll.closed", [0])[0],
            "final_counts": closed[1]["event"]["counts"],
            "counts_match_votes": sum(closed[1]["event"]["counts"]) == votes["acked"],
            "cpu": poll_cpu,
        }
        report["events"] = {
            "final_seq": final_seq,
            "missing": merged["missing_events"],
            "learners_incomplete": merged["learners_incomplete"],
            "duplicates": merged["duplicates"],
            "out_of_order": merged["out_of_order"],
            "by_type": {k: v[0] for k, v in merged["types"].items()},
        }
        report["host"] = {"errors": host.errors[:5], "closed_by_server": host.closures}

        say("room: learners leave")
        await workers.call({"cmd": "close"})
        await host.close()
    finally:
        await workers.stop()
        await host.close()
    report["leave"] = await server_quiet(server_pid)
    probe.mark("room: leave")
    print(
        f"the server settled {report['leave']['seconds']} s after the learners left "
        f"({report['leave']['cpu_s']} s of CPU)",
        flush=True,
    )
    return report


async def relay_phase(
    args, seed: dict, ws_base: str, origin: str, probe: ServerProbe, env, log_dir
):
    server_pid = probe.pid
    say(f"relay baseline: {args.learners} learners on /ws/bench-relay/")
    url = f"{ws_base}/ws/bench-relay/"
    cookie_name = seed["session_cookie"]
    report: dict = {"url_path": "/ws/bench-relay/"}
    report["rss_kib_idle"] = rss_kib(server_pid)
    host = Host(
        url,
        origin,
        f"{cookie_name}={seed['host']['sessionid']}",
        deflate=args.deflate,
        room=False,
    )
    await host.open()
    workers = Workers(args.client_procs, env, log_dir)
    try:
        await workers.start(
            {
                "mode": "relay",
                "url": url,
                "origin": origin,
                "cookie_name": cookie_name,
                "deflate": args.deflate,
            },
            seed["learners"][: args.learners],
            "relay",
        )
        rss_before = rss_kib(server_pid)
        probe.mark("before the relay")
        started = time.monotonic()
        report.update(await connect_learners(workers, args, registering=False))
        report["join_s"] = round(time.monotonic() - started, 1)
        await asyncio.sleep(2)
        probe.mark("relay: join")
        rss_after = rss_kib(server_pid)
        report["memory"] = {
            "rss_kib_before": rss_before,
            "rss_kib_after": rss_after,
            "connections": report["connect"]["ok"],
            "kib_per_connection": round(
                (rss_after - rss_before) / max(report["connect"]["ok"], 1), 1
            ),
            "server_threads": threads(server_pid),
        }
        print(
            f"server RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB "
            f"({report['memory']['kib_per_connection']} KiB per connection)",
            flush=True,
        )
        say(f"relay: the host sends {args.messages} frames at {args.rate}/s")
        cpu = cpu_snapshot()
        clients_cpu = workers.cpu_seconds()
        sends, lag = await send_lines(host, False, args.messages, args.rate, seed["host"])
        waited = await workers.call({"cmd": "wait", "chats": args.messages, "timeout": args.drain})
        probe.mark("relay: chat")
        report["chat_cpu"] = cpu_window(cpu)
        report["chat_cpu"]["clients_cpu_s"] = round(workers.cpu_seconds() - clients_cpu, 1)
        report["chat_wait"] = {
            "incomplete": summed(waited, "incomplete"),
            "closed": summed(waited, "closed"),
            "seconds": max(w["seconds"] for w in waited),
        }
        report["host_lag_ms"] = lag
        merged = merge_analyses(
            await workers.call(
                {"cmd": "analyze", "messages": args.messages, "final_seq": args.messages}
            )
        )
        # Everyone who connected is in the group: "registered" for the figures.
        merged["registered"] = merged["learners"]
        report["chat"] = chat_figures(merged, sends, args.learners, args.rate, None)
        report["host"] = {"closed_by_server": host.closures}
        await workers.call({"cmd": "close"})
        await host.close()
    finally:
        await workers.stop()
        await host.close()
    report["leave"] = await server_quiet(server_pid)
    probe.mark("relay: leave")
    return report

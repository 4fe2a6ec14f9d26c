"""The steps the room and the relay take alike, in the same order and measured the same
way: the host's socket and the learners' client processes, the learners connecting, the
server's memory per connection, the chat lines at the bench's pace, what the learners
received, and the server settling once they have left."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.live.host import Host, chat_text
from bench.live.load.figures import chat_figures, counts_summed, merge_analyses, summed
from bench.live.load.probes import (
    ServerProbe,
    cpu_seconds,
    cpu_window,
    rss_kib,
    server_quiet,
    threads,
)
from bench.live.load.workers import Workers
from bench.live.quantiles import quantiles
from bench.runner import say
from bench.runner.cpu import cpu_snapshot


class Phase:
    """One measured phase, ``room`` or ``relay`` (also the clients' mode), on the socket
    at ``path``; its figures go into ``report``, which the phase's own steps complete."""

    def __init__(self, name: str, path: str, args, probe: ServerProbe):
        self.name, self.path, self.args, self.probe = name, path, args, probe
        self.report: dict = {"url_path": path, "rss_kib_idle": rss_kib(probe.pid)}
        self.host: Host | None = None
        self.workers: Workers | None = None
        self.rss_before = 0
        self.cpu_before = 0.0
        self.started = 0.0

    @asynccontextmanager
    async def learners(
        self, seed: dict, ws_base: str, origin: str, env: dict, log_dir: Path, **setup
    ) -> AsyncIterator[tuple[Host, Workers]]:
        """The host's socket open and the client processes started, each with its share
        of the learners (``setup``: the mode's own settings); at the end the learners
        close their sockets, then the host. After an error the processes are stopped."""
        args = self.args
        url = ws_base + self.path
        cookie_name = seed["session_cookie"]
        host = Host(
            url,
            origin,
            f"{cookie_name}={seed['host']['sessionid']}",
            deflate=args.deflate,
            room=self.name == "room",
        )
        self.host = host
        await host.open()
        workers = self.workers = Workers(args.client_procs, env, log_dir)
        try:
            await workers.start(
                {
                    "mode": self.name,
                    "url": url,
                    "origin": origin,
                    "cookie_name": cookie_name,
                    "deflate": args.deflate,
                    **setup,
                },
                seed["learners"][: args.learners],
                self.name,
            )
            yield host, workers
            await workers.call({"cmd": "close"})
            await host.close()
        finally:
            await workers.stop()
            await host.close()

    async def join(self, registering: bool) -> None:
        """The learners connect (and register, in the room); the server's memory and CPU
        time just before are kept for the join's figures."""
        self.rss_before = rss_kib(self.probe.pid)
        self.cpu_before = cpu_seconds(self.probe.pid)
        self.probe.mark(f"before the {self.name}")
        self.started = time.monotonic()
        self.report.update(await connect_learners(self.workers, self.args, registering))

    def joined_s(self) -> float:
        """Seconds since the first learner set off."""
        return round(time.monotonic() - self.started, 1)

    def memory(self, connections: int) -> None:
        """The server's memory now against before the join, per connection."""
        rss_before, rss_after = self.rss_before, rss_kib(self.probe.pid)
        self.report["memory"] = {
            "rss_kib_before": rss_before,
            "rss_kib_after": rss_after,
            "connections": connections,
            "kib_per_connection": round((rss_after - rss_before) / max(connections, 1), 1),
            "server_threads": threads(self.probe.pid),
        }

    def memory_line(self) -> str:
        memory = self.report["memory"]
        return (
            f"server RSS {memory['rss_kib_before'] / 1024:.0f} -> "
            f"{memory['rss_kib_after'] / 1024:.0f} MiB "
            f"({memory['kib_per_connection']} KiB per connection)"
        )

    async def chat(self, author: dict, what: str) -> dict[int, float]:
        """The host sends ``--messages`` lines (``what`` they are called) at ``--rate``
        a second, then waits until every learner has them or ``--drain`` passes. The
        CPU used meanwhile, the wait and the host's lag go into the report; returns
        each line's send time."""
        args, workers = self.args, self.workers
        say(f"{self.name}: the host sends {args.messages} {what} at {args.rate}/s")
        cpu = cpu_snapshot()
        clients_cpu = workers.cpu_seconds()
        sends, lag = await send_lines(self.host, args.messages, args.rate, author)
        waited = await workers.call({"cmd": "wait", "chats": args.messages, "timeout": args.drain})
        self.probe.mark(f"{self.name}: chat")
        self.report["chat_cpu"] = cpu_window(cpu)
        self.report["chat_cpu"]["clients_cpu_s"] = round(workers.cpu_seconds() - clients_cpu, 1)
        self.report["chat_wait"] = {
            "incomplete": summed(waited, "incomplete"),
            "closed": summed(waited, "closed"),
            "seconds": max(w["seconds"] for w in waited),
        }
        self.report["host_lag_ms"] = lag
        return sends

    async def received(self, final_seq: int) -> dict:
        """What every learner received, events up to ``final_seq``, merged."""
        return merge_analyses(
            await self.workers.call(
                {"cmd": "analyze", "messages": self.args.messages, "final_seq": final_seq}
            )
        )

    def chat_figures(self, merged: dict, sends: dict[int, float], acks: dict | None) -> None:
        """The chat lines' figures into the report (``acks``: the host's, in the room)."""
        args = self.args
        self.report["chat"] = chat_figures(merged, sends, args.learners, args.rate, acks)

    async def leave(self) -> dict:
        """Once the learners have left: until the server's work on their sockets ends."""
        self.report["leave"] = await server_quiet(self.probe.pid)
        self.probe.mark(f"{self.name}: leave")
        return self.report["leave"]


async def send_lines(host: Host, count: int, rate: float, author: dict) -> tuple[dict, float]:
    """``count`` chat lines at ``rate`` a second on a fixed schedule, as the room's chat
    action or, on the relay, as the frame the room would send; each carries its index
    and the time it was sent. Returns the send times and the worst lag behind the
    schedule (the host's loop being late)."""
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
        if host.room:
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
    closed = counts_summed(a["closed_by_server"] for a in answers)
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

"""Learner clients: one process holding a share of the learners' sockets.

Started by the bench (bench.live.load) as ``python -m bench.live.clients``, several at
once when one Python process would be too slow to take every frame as it arrives. It
reads one JSON command a line on stdin and answers each with one JSON line on stdout:

* ``setup``: the learners (user id, session key), the socket's URL and Origin, the mode
  (``room``: the product's classroom; ``relay``: the baseline), whether to offer
  permessage-deflate (browsers do) and how long learners take to vote;
* ``join``: every learner opens its socket (``concurrency`` handshakes in flight at
  most), all at once or arriving evenly over ``spread`` seconds, and in the room sends
  ``register`` at once and waits for its ``state``, as the page does;
* ``wait``: until every learner has ``chats`` chat lines, or an event numbered ``seq``
  or later, or has its vote acknowledged, or ``timeout`` seconds pass;
* ``analyze``: what each learner received, checked and summed up (below);
* ``close``, then ``exit``.

While a socket is open its reader only notes the time (``time.time()``: the sender is
another process on the same machine) and keeps the frame; the frames are parsed in
``analyze``, after the measurement, so that a client's own work delays the next
frame's timestamp as little as possible. Room sockets ping every 20 s, as the
product's page does (a socket silent for 60 s is closed by the server), and vote when
a poll opens, after a random pause of up to ``vote_within`` seconds (people read the
question first). Relay sockets send nothing: the relay would send it to everyone.
"""

import asyncio
import json
import random
import sys
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

HEARTBEAT_SECONDS = 20
EVENT_PREFIX = '{"type":"event","seq":'
CHAT_MARK = '"type":"chat.posted"'
POLL_OPENED_MARK = '"type":"poll.opened"'


class Learner:
    __slots__ = (
        "user_id",
        "sessionid",
        "index",
        "ws",
        "error",
        "state_seq",
        "state_bytes",
        "registered",
        "frames",
        "chats",
        "last_seq",
        "vote",
        "errors",
        "close_code",
        "closed",
        "register_ms",
        "tasks",
    )

    def __init__(self, who: dict, index: int):
        self.user_id = who["user_id"]
        self.sessionid = who["sessionid"]
        self.index = index
        self.ws = None
        self.error = None
        self.state_seq = None
        self.state_bytes = 0
        self.registered = asyncio.Event()
        self.frames: list[tuple[float, int, str]] = []  # (received at, seq, frame)
        self.chats = 0
        self.last_seq = 0
        self.vote: dict | None = None
        self.errors: Counter = Counter()
        self.close_code = None
        self.closed = asyncio.Event()
        self.register_ms: float | None = None
        self.tasks: list[asyncio.Task] = []


class Pool:
    def __init__(self, config: dict):
        self.mode = config["mode"]
        self.url = config["url"]
        self.origin = config["origin"]
        self.cookie_name = config.get("cookie_name", "sessionid")
        self.compression = "deflate" if config.get("deflate", True) else None
        self.vote_within = float(config.get("vote_within", 0))
        self.learners = [Learner(w, i) for i, w in enumerate(config["learners"])]

    @property
    def open(self) -> list[Learner]:
        """The learners whose socket opened (some may have been closed since)."""
        return [x for x in self.learners if x.ws is not None]

    @property
    def live(self) -> list[Learner]:
        """The learners whose socket is still open."""
        return [x for x in self.learners if x.ws is not None and not x.closed.is_set()]

    # --- sockets ------------------------------------------------------------------

    async def join(self, concurrency: int, timeout: float, spread: float, register: bool) -> dict:
        """Each learner opens its socket (at most ``concurrency`` handshakes in flight)
        and, in the room, registers at once, as the page does. With ``spread`` the
        learners arrive evenly over that many seconds instead of all at once."""
        gate = asyncio.Semaphore(concurrency)
        started = time.monotonic()
        count = len(self.learners)
        handshakes: list[float] = []
        connected_at: list[float] = []
        registered_at: list[float] = []

        async def one(index: int, learner: Learner) -> None:
            if spread:
                await asyncio.sleep(spread * (index + random.random()) / count)
            async with gate:
                began = time.monotonic()
                try:
                    learner.ws = await connect(
                        self.url,
                        origin=self.origin,
                        additional_headers={"Cookie": f"{self.cookie_name}={learner.sessionid}"},
                        compression=self.compression,
                        open_timeout=timeout,
                        # The server pings (uvicorn); the client only answers, as a
                        # browser does.
                        ping_interval=None,
                        close_timeout=5,
                        max_size=4 * 2**20,
                    )
                except InvalidStatus as error:
                    learner.error = f"HTTP {error.response.status_code}"
                    return
                except (OSError, TimeoutError, ConnectionClosed) as error:
                    learner.error = f"{type(error).__name__}: {error}"[:200]
                    return
                now = time.monotonic()
                handshakes.append(now - began)
                connected_at.append(now - started)
            learner.tasks.append(asyncio.create_task(self.read(learner)))
            if self.mode == "room":
                learner.tasks.append(asyncio.create_task(self.heartbeat(learner)))
            if register:
                await self.register(learner, timeout)
                if learner.state_seq is not None:
                    registered_at.append(time.monotonic() - started)

        await asyncio.gather(*(one(i, x) for i, x in enumerate(self.learners)))
        failed = Counter(x.error for x in self.learners if x.ws is None)
        done = [x for x in self.open if x.state_seq is not None]
        return {
            "ok": len(self.open),
            "failed": sum(failed.values()),
            "errors": dict(failed.most_common(5)),
            "seconds": round(max(connected_at, default=0), 2),
            "handshake_ms": _quantiles([1000 * d for d in handshakes]),
            "registered": len(done),
            "registered_s": round(max(registered_at, default=0), 2),
            "register_ms": [round(x.register_ms, 1) for x in done],
            "state_bytes_max": max((x.state_bytes for x in done), default=0),
            "user_ids": [x.user_id for x in done],
            "closed_by_server": dict(Counter(x.close_code for x in self.open if x.closed.is_set())),
        }

    async def read(self, learner: Learner) -> None:
        ws = learner.ws
        try:
            async for text in ws:
                now = time.time()
                if text.startswith(EVENT_PREFIX):
                    seq = int(text[len(EVENT_PREFIX) : text.index(",", len(EVENT_PREFIX))])
                    learner.frames.append((now, seq, text))
                    learner.last_seq = seq
                    if CHAT_MARK in text:
                        learner.chats += 1
                    elif POLL_OPENED_MARK in text and self.mode == "room":
                        learner.tasks.append(asyncio.create_task(self.vote(learner, text)))
                elif text.startswith('{"type":"state"'):
                    state = json.loads(text)
                    learner.state_seq = state["seq"]
                    learner.last_seq = max(learner.last_seq, state["seq"])
                    learner.state_bytes = len(text)
                    learner.registered.set()
                elif text.startswith('{"type":"ack"'):
                    frame = json.loads(text)
                    if learner.vote is not None and frame.get("id") == learner.vote["id"]:
                        learner.vote["acked"] = now
                elif text.startswith('{"type":"error"'):
                    frame = json.loads(text)
                    learner.errors[frame.get("code")] += 1
                    if learner.vote is not None and frame.get("id") == learner.vote["id"]:
                        learner.vote["error"] = frame.get("code")
        except ConnectionClosed:
            pass
        finally:
            # The code and the server's reason: "1011 keepalive ping timeout", "4408", ...
            learner.close_code = f"{ws.close_code} {ws.close_reason or ''}".strip()
            learner.closed.set()

    async def heartbeat(self, learner: Learner) -> None:
        # Spread over the interval, as a thousand phones opening the page at different
        # moments would be.
        await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
        while True:
            try:
                await learner.ws.send('{"type":"ping"}')
            except ConnectionClosed:
                return
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def vote(self, learner: Learner, frame: str) -> None:
        event = json.loads(frame)["event"]
        await asyncio.sleep(random.uniform(0, self.vote_within))
        learner.vote = {
            "id": f"vote-{event['id']}",
            "poll": event["id"],
            "option": learner.user_id % len(event["options"]),
            "sent": time.time(),
        }
        action = {
            "type": "action",
            "id": learner.vote["id"],
            "action": "poll.vote",
            "poll": event["id"],
            "option": learner.vote["option"],
        }
        try:
            await learner.ws.send(json.dumps(action))
        except ConnectionClosed:
            learner.vote["error"] = "closed"

    async def register(self, learner: Learner, timeout: float) -> None:
        """``register``, then until the state comes or the server closes the socket."""
        began = time.monotonic()
        try:
            await learner.ws.send('{"type":"register"}')
        except ConnectionClosed:
            return
        waits = [
            asyncio.ensure_future(learner.registered.wait()),
            asyncio.ensure_future(learner.closed.wait()),
        ]
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if learner.state_seq is not None:
            learner.register_ms = 1000 * (time.monotonic() - began)

    async def wait(self, command: dict) -> dict:
        """Until every open socket has what the command names, or the timeout."""
        if "chats" in command:
            n = command["chats"]

            def done(x):
                return x.chats >= n
        elif "seq" in command:
            s = command["seq"]

            def done(x):
                return x.last_seq >= s
        elif command.get("votes"):

            def done(x):
                return x.vote is not None and ("acked" in x.vote or "error" in x.vote)
        else:
            raise ValueError(command)
        started = time.monotonic()
        deadline = started + command["timeout"]
        while True:
            # A socket the server closed will get nothing more: it is not waited for
            # (what it missed counts as lost).
            learners = self.live
            missing = sum(1 for x in learners if not done(x))
            if missing == 0 or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.05)
        return {
            "complete": len(learners) - missing,
            "incomplete": missing,
            "closed": len(self.open) - len(learners),
            "acked_votes": sum(1 for x in learners if x.vote and "acked" in x.vote),
            "seconds": round(time.monotonic() - started, 2),
        }

    async def close(self) -> dict:
        async def one(learner: Learner) -> None:
            for task in learner.tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            try:
                await learner.ws.close()
            except Exception:  # noqa: BLE001 - a socket the server closed already
                pass

        started = time.monotonic()
        closed_by_server = Counter(x.close_code for x in self.open if x.closed.is_set())
        await asyncio.gather(*(one(x) for x in self.live))
        return {
            "seconds": round(time.monotonic() - started, 2),
            "closed_by_server_before": dict(closed_by_server),
        }

    # --- what was received -----------------------------------------------------------

    def analyze(self, messages: int, final_seq: int) -> dict:
        """Per learner: every event after its starting point up to ``final_seq``, each
        once and in order; per chat line (its index and send time are in its text): how
        many learners got it and when the last one did; every delivery's latency."""
        per_message: dict[int, list] = {}  # index -> [deliveries, first at, last at]
        latencies: list[float] = []
        types: dict[str, list] = {}  # event type -> [deliveries, first at, last at]
        missing_events = duplicates = out_of_order = 0
        learners_incomplete = 0
        closed_early = Counter()
        examples: list[dict] = []
        for learner in self.learners:
            if learner.ws is None:
                continue
            if learner.closed.is_set():
                closed_early[learner.close_code] += 1
            start = learner.state_seq if self.mode == "room" else 0
            if start is None:
                continue
            seqs = [seq for _t, seq, _text in learner.frames]
            seen = set(seqs)
            duplicates += len(seqs) - len(seen)
            out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
            wanted = set(range(start + 1, final_seq + 1))
            lacking = wanted - seen
            missing_events += len(lacking)
            if lacking:
                learners_incomplete += 1
                if len(examples) < 5:
                    examples.append(
                        {
                            "user": learner.user_id,
                            "from": start,
                            "missing": sorted(lacking)[:10],
                            "close_code": learner.close_code,
                        }
                    )
            chat_seen: set[int] = set()
            for at, seq, text in learner.frames:
                if seq in chat_seen:
                    continue
                event = json.loads(text)["event"]
                kind = event.get("type")
                if kind == "chat.posted" and str(event.get("text", "")).startswith("#"):
                    chat_seen.add(seq)
                    index_text, sent_text = event["text"][1:].split(" ", 2)[:2]
                    index, sent = int(index_text), float(sent_text)
                    row = per_message.setdefault(index, [0, at, at])
                    row[0] += 1
                    row[1] = min(row[1], at)
                    row[2] = max(row[2], at)
                    latencies.append(round(1000 * (at - sent), 2))
                else:
                    row = types.setdefault(kind, [0, at, at])
                    row[0] += 1
                    row[1] = min(row[1], at)
                    row[2] = max(row[2], at)
        votes = [x.vote for x in self.learners if x.vote is not None]
        vote_ms = sorted(round(1000 * (v["acked"] - v["sent"]), 2) for v in votes if "acked" in v)
        return {
            "learners": len([x for x in self.learners if x.ws is not None]),
            "registered": len([x for x in self.learners if x.state_seq is not None]),
            "per_message": {str(k): v for k, v in per_message.items()},
            "latencies_ms": latencies,
            "types": types,
            "missing_events": missing_events,
            "learners_incomplete": learners_incomplete,
            "missing_examples": examples,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "closed_by_server": dict(closed_early),
            "errors": dict(sum((x.errors for x in self.learners), Counter())),
            "votes": {
                "sent": len(votes),
                "acked": len(vote_ms),
                "errors": dict(Counter(v["error"] for v in votes if "error" in v)),
                "ack_ms": vote_ms,
                "first_sent": min((v["sent"] for v in votes), default=None),
                "last_acked": max((v["acked"] for v in votes if "acked" in v), default=None),
            },
        }


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {}
    values = sorted(values)

    def q(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {"p50": q(0.50), "p95": q(0.95), "max": round(values[-1], 1)}


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pool: Pool | None = None

    def answer(payload: dict) -> None:
        sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    while True:
        line = await reader.readline()
        if not line:
            break
        command = json.loads(line)
        name = command["cmd"]
        try:
            if name == "setup":
                pool = Pool(command)
                answer({"ok": True, "learners": len(pool.learners)})
            elif name == "join":
                answer(
                    await pool.join(
                        command["concurrency"],
                        command["timeout"],
                        command["spread"],
                        command["register"],
                    )
                )
            elif name == "wait":
                answer(await pool.wait(command))
            elif name == "analyze":
                answer(pool.analyze(command["messages"], command["final_seq"]))
            elif name == "close":
                answer(await pool.close())
            elif name == "exit":
                answer({"ok": True})
                return
            else:
                answer({"error": f"unknown command {name}"})
        except Exception as error:  # noqa: BLE001 - reported to the bench, which stops
            answer({"error": f"{type(error).__name__}: {error}"})


def main() -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve())
    else:
        uvloop.run(serve())


if __name__ == "__main__":
    main()

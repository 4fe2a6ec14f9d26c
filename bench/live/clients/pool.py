"""The learners of one client process: their sockets opened, read, kept alive, and
closed, their votes, and the waits the bench asks for."""

import asyncio
import json
import random
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.live.clients import received
from bench.live.clients.learner import (
    CHAT_MARK,
    EVENT_PREFIX,
    POLL_OPENED_MARK,
    Learner,
    heartbeat,
)
from bench.live.quantiles import quantiles


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
                learner.tasks.append(asyncio.create_task(heartbeat(learner.ws)))
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
            "handshake_ms": quantiles([1000 * d for d in handshakes]),
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
        """What each learner received up to ``final_seq`` (bench.live.clients.received)."""
        return received.analyze(self.learners, self.mode == "room", final_seq)

"""The host's socket, driven by the bench itself: it registers, watches the room's
events, and sends the chat lines, the poll and the relay's frames at the bench's pace."""

import asyncio
import json
import time
from datetime import UTC, datetime

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.live.clients.learner import heartbeat
from bench.runner import BenchError

# A chat line as a host types it: the bench's index and send time first (the clients
# read both), then ordinary text, so that a frame weighs what a real one does.
FILLER = "Slao cạ! Mời cả lớp mở trang bài học và đọc to câu: Pây lăng? Kin khẩu dá?"


def chat_text(index: int, sent: float) -> str:
    return f"#{index} {sent:.6f} {FILLER}"


class Host:
    def __init__(self, url: str, origin: str, cookie: str, *, deflate: bool, room: bool):
        self.url, self.origin, self.cookie = url, origin, cookie
        self.deflate, self.room = deflate, room
        self.ws = None
        self.state: dict | None = None
        self.events: list[tuple[float, dict]] = []  # (received at, frame)
        self.new_event = asyncio.Event()
        self.pending: dict[str, asyncio.Future] = {}
        self.acks: dict[str, tuple[float, dict]] = {}  # client id -> (received at, frame)
        self.errors: list[dict] = []
        self.tasks: list[asyncio.Task] = []
        # Close codes of the times the server closed the host's socket; each time the
        # host reopens it (and registers again), as the product's page does.
        self.closures: list[int | None] = []

    async def open(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        self.ws = await connect(
            self.url,
            origin=self.origin,
            additional_headers={"Cookie": self.cookie},
            compression="deflate" if self.deflate else None,
            open_timeout=60,
            ping_interval=None,
            max_size=16 * 2**20,
        )
        self.tasks.append(asyncio.create_task(self._read()))
        if self.room:
            registered = asyncio.get_running_loop().create_future()
            self.pending["__state__"] = registered
            await self.ws.send('{"type":"register"}')
            try:
                self.state = await asyncio.wait_for(registered, 300)
            except TimeoutError:
                raise BenchError("the host's socket got no state in 300 s") from None
            self.tasks.append(asyncio.create_task(heartbeat(self.ws)))

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                now = time.time()
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "event":
                    self.events.append((now, frame))
                    self.new_event.set()
                elif kind == "state":
                    future = self.pending.pop("__state__", None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                elif kind in ("ack", "error") and "id" in frame:
                    self.acks[str(frame["id"])] = (now, frame)
                    future = self.pending.pop(str(frame["id"]), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                    if kind == "error":
                        self.errors.append(frame)
                elif kind == "error":
                    self.errors.append(frame)
        except ConnectionClosed:
            pass

    @property
    def close_code(self):
        return self.ws.close_code if self.ws is not None else None

    # --- actions --------------------------------------------------------------------

    async def send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            self.closures.append(self.ws.close_code)
            try:
                await self.open()
            except (InvalidStatus, OSError, TimeoutError) as error:
                raise BenchError(
                    f"the server closed the host's socket and refused it again: {error}"
                ) from None
            await self.ws.send(text)

    async def send_action(self, client_id: str, action: str, **params) -> None:
        await self.send(json.dumps({"type": "action", "id": client_id, "action": action, **params}))

    async def act(self, client_id: str, action: str, timeout: float = 60, **params) -> dict:
        future = asyncio.get_running_loop().create_future()
        self.pending[client_id] = future
        await self.send_action(client_id, action, **params)
        frame = await asyncio.wait_for(future, timeout)
        if frame["type"] != "ack":
            raise RuntimeError(f"{action} refused: {frame}")
        return frame["result"]

    async def send_relay(self, index: int, sent: float, user_id: int, name: str) -> None:
        """The frame the room would send for a chat line, numbered by the host."""
        frame = {
            "type": "event",
            "seq": index + 1,
            "event": {
                "type": "chat.posted",
                "at": datetime.fromtimestamp(sent, UTC).isoformat(),
                "id": index + 1,
                "user": user_id,
                "name": name,
                "text": chat_text(index, sent),
            },
        }
        await self.send(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    # --- what the host saw ----------------------------------------------------------

    async def wait_event(self, match, timeout: float):
        """The first event (from now on or already seen) for which ``match(frame)``."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for at, frame in self.events[checked:]:
                if match(frame):
                    return at, frame
            checked = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.new_event.clear()
            try:
                await asyncio.wait_for(self.new_event.wait(), left)
            except TimeoutError:
                return None

    def listed(self) -> set[int]:
        """Who the room was told is present, from the state and the presence events."""
        people = {
            int(uid)
            for uid, p in (self.state or {}).get("room", {}).get("participants", {}).items()
            if p.get("online")
        }
        for _at, frame in self.events:
            event = frame["event"]
            if event["type"] == "presence":
                people |= {p["user"] for p in event.get("joined", [])}
                people -= set(event.get("left", []))
        return people

    @property
    def last_seq(self) -> int:
        if self.events:
            return self.events[-1][1]["seq"]
        return self.state["seq"] if self.state else 0

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.ws is not None:
            await self.ws.close()

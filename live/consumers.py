"""The classroom socket: /ws/live/<session id>/.

Protocol (JSON text frames). The client sends ``register`` (answered with the whole
``state`` and its sequence number) or, after a reconnect, ``resume`` with the last
number it applied (answered with each missed ``event`` in order, then ``resumed``; a
number the room does not know, or one too far behind, is the coded error
``unknown_queue`` or ``queue_pruned``, and the client registers afresh). ``ping``
every HEARTBEAT_SECONDS keeps the socket counted as present. ``action`` frames carry a
client id, answered by ``ack`` or ``error`` to that client only; a repeated id (a
resend after a lost ack) is acknowledged again and done once.

Room events come from the process's hub (hub.py), in order; everything this socket
sends goes through one queue, written by one task, so the order holds and a slow
phone holds up only itself.
"""

import asyncio
import json
import time
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from lms.errors import ServiceError

from .actions import ACTIONS, action_perform
from .hub import Item, Room, RoomHub, Sequencer, db, log_items_after
from .models import LiveSession
from .selectors import REPLAY_LIMIT, access_live_session, room_last_seq, room_state
from .services import presence
from .services.polls import poll_results_publish
from .services.room import Actor

MAX_FRAME_BYTES = 8 * 1024
# Frames of any kind one socket may send per FRAME_WINDOW seconds before it is closed
# as a flood (actions also have a per-person limit across sockets, in actions.py).
FRAME_WINDOW = 10
FRAMES_PER_WINDOW = 120
BATCH_SECONDS = 1.0
# Frames waiting for a socket that does not take them (a phone on a dying link): past
# this, it is closed, and resumes from its last number when it comes back.
SEND_BACKLOG = 2000

# Close codes the client knows: refused (never retry), ended, silent, flooding.
CLOSE_REFUSED = 4403
CLOSE_ENDED = 4410
CLOSE_SILENT = 4408
CLOSE_FLOOD = 4429
CLOSE_SUPERSEDED = 4409
CLOSE_BEHIND = 4411


class RoomConsumer(AsyncWebsocketConsumer):
    connection_id: int | None = None
    room: Room | None = None
    tasks: tuple[asyncio.Task, ...] = ()
    _closing = CLOSE_ENDED

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        user = self.scope.get("user")
        seat = await db(access_live_session)(user, self.session_id)
        if seat is None:
            # Refused in the handshake: the browser sees a failed connection (403).
            await self.close(code=CLOSE_REFUSED)
            return
        self.user = user
        problem = seat.session.window_problem(host=seat.is_host)
        await self.accept()
        if problem:
            await self.send(text_data=_frame(_error_frame("closed", message=problem)))
            await self.close(code=CLOSE_ENDED)
            return
        connection = await db(presence.participant_enter)(
            seat.session, user, role=seat.role, channel_name=self.channel_name
        )
        self.connection_id = connection.pk
        self.actor = Actor(user.pk, connection.participant_name, seat.role)
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.stream = Sequencer(self._emit, self._fill)
        self.heard_at = self.seen_written_at = time.monotonic()
        self.frames: list[float] = []
        self.tasks = (asyncio.create_task(self._write()), asyncio.create_task(self._watch()))
        self.room = await RoomHub.current().join(self.session_id, self)
        await self._soon(
            f"live:presence-due:{self.session_id}", presence.presence_publish, self.session_id
        )

    async def disconnect(self, code: int) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = ()
        await self._leave()

    async def _leave(self) -> None:
        """Out of the room: its hub, the presence list, and the attendance interval ends.
        Run when the socket closes, from whichever side; safe to run twice."""
        if self.room is not None:
            self.room = None
            await RoomHub.current().leave(self.session_id, self)
        if self.connection_id is None:
            return
        connection_id, self.connection_id = self.connection_id, None
        await db(presence.connection_close)(connection_id)
        await self._soon(
            f"live:presence-due:{self.session_id}", presence.presence_publish, self.session_id
        )

    # --- to the client ----------------------------------------------------------------

    def _send(self, payload: dict) -> None:
        self._queue(_frame(payload))

    def _queue(self, frame: str | None) -> None:
        if self.outbox.qsize() > SEND_BACKLOG:
            self.outbox = asyncio.Queue()
            self.outbox.put_nowait(None)
            self._closing = CLOSE_BEHIND
            return
        self.outbox.put_nowait(frame)

    async def _write(self) -> None:
        while True:
            frame = await self.outbox.get()
            try:
                if frame is None:
                    await self.close(code=self._closing)
                    await self._leave()
                    return
                await self.send(text_data=frame)
            except Exception:  # the socket is gone; disconnect() cleans up
                return

    def _error(self, code: str, client_id: Any = None, message: str | None = None) -> None:
        self._send(_error_frame(code, client_id, message))

    # --- room events ------------------------------------------------------------------

    def deliver(self, seq: int, kind: str, frame: str) -> None:
        """From the hub, in order; this socket's own gaps (it registered while events
        went by) are filled by its sequencer."""
        self.stream.offer((seq, kind, frame))

    def _emit(self, item: Item) -> None:
        self._queue(item[2])
        if item[1] == "session.ended":
            # A moment's grace: the host's acknowledgement of the end goes out first.
            self._closing = CLOSE_ENDED
            asyncio.get_running_loop().call_later(0.5, self._queue, None)

    async def _fill(self, seq: int) -> list[Item]:
        upto = self.room.sequencer.last if self.room else None
        if upto is not None:
            held = self.room.items_after(seq, upto)
            if held is not None:
                return held
        return await db(log_items_after)(self.session_id, seq)

    async def _watch(self) -> None:
        """A phone that went silent without closing its socket (no coverage, battery
        out) is closed here, so it leaves the presence list in bounded time."""
        while True:
            await asyncio.sleep(presence.HEARTBEAT_SECONDS / 2)
            if time.monotonic() - self.heard_at > presence.SILENT_SECONDS:
                self._closing = CLOSE_SILENT
                self._queue(None)
                return

    # --- from the client ----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection_id is None:
            return
        self.heard_at = time.monotonic()
        if self._flooding():
            self._error("flood")
            self._closing = CLOSE_FLOOD
            self._queue(None)
            return
        message = self._parse(text_data, bytes_data)
        if isinstance(message, str):
            self._error(message)
            return
        kind = message.get("type")
        if kind == "ping":
            await self._ping()
        elif kind == "register":
            await self._register()
        elif kind == "resume":
            await self._resume(message.get("last_seq"))
        elif kind == "action":
            await self._action(message)
        else:
            self._error("unknown_type")

    def _flooding(self) -> bool:
        now = time.monotonic()
        self.frames = [t for t in self.frames if now - t < FRAME_WINDOW]
        self.frames.append(now)
        return len(self.frames) > FRAMES_PER_WINDOW

    @staticmethod
    def _parse(text_data: str | None, bytes_data: bytes | None) -> dict | str:
        if text_data is None:
            return "malformed"
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            return "too_large"
        try:
            message = json.loads(text_data)
        except ValueError:
            return "malformed"
        return message if isinstance(message, dict) else "malformed"

    async def _ping(self) -> None:
        now = time.monotonic()
        if now - self.seen_written_at >= presence.SEEN_WRITE_SECONDS:
            self.seen_written_at = now
            await db(presence.connection_seen)(self.connection_id)
        # What this socket has passed on: the pong follows those frames, so a client
        # whose number is lower when it reads this has truly missed something.
        self._send({"type": "pong", "seq": self.stream.last})

    async def _register(self) -> None:
        state = await db(_state_for)(self.session_id, self.user)
        self._send({"type": "state", **state})
        self.stream.start(state["seq"])
        self._catch_up()

    async def _resume(self, last_seq: Any) -> None:
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            self._error("malformed")
            return
        current = await db(room_last_seq)(self.session_id)
        if last_seq > current:
            self._error("unknown_queue")
            return
        if current - last_seq > REPLAY_LIMIT:
            self._error("queue_pruned")
            return
        self.stream.start(last_seq)
        for item in await self._fill(last_seq):
            self.stream.offer(item)
        self._send({"type": "resumed", "seq": self.stream.last})

    def _catch_up(self) -> None:
        """Events the hub passed on before this socket knew where it stood."""
        if self.room is not None and self.room.sequencer.last is not None:
            self.stream.catch_up(self.room.sequencer.last)

    async def _action(self, message: dict) -> None:
        client_id = message.get("id")
        if (
            not isinstance(client_id, str | int)
            or isinstance(client_id, bool)
            or len(str(client_id)) > 64
        ):
            self._error("malformed")
            return
        name = message.get("action")
        if name not in ACTIONS:
            self._error("unknown_type", client_id)
            return
        try:
            result = await db(action_perform)(
                self.session_id, self.actor, name, message, str(client_id)
            )
        except ServiceError as error:
            self._error(error.code, client_id, error.message)
            return
        self._send({"type": "ack", "id": client_id, "result": result})
        if name == "poll.vote" and not result.get("duplicate"):
            poll_id = message.get("poll")
            await self._soon(
                f"live:poll-due:{poll_id}", poll_results_publish, self.session_id, poll_id
            )

    async def _soon(self, key: str, publish, *args) -> None:
        """Run ``publish`` about a second from now, once for all the calls (from any
        socket of any process) in between: a thousand answers or arrivals become a
        few events, not a thousand. A batch whose process dies is sent by the sweep."""
        if not await cache.aadd(key, 1, timeout=BATCH_SECONDS):
            return

        async def later() -> None:
            await asyncio.sleep(BATCH_SECONDS)
            await db(publish)(*args)

        asyncio.get_running_loop().create_task(later())

    # --- from other processes -------------------------------------------------------------

    async def room_superseded(self, message: dict) -> None:
        # Its interval is already closed; only the socket remains to go.
        self.connection_id = None
        self._error("superseded")
        self._closing = CLOSE_SUPERSEDED
        self._queue(None)


def _state_for(session_id: int, user) -> dict:
    return room_state(LiveSession.objects.get(pk=session_id), user)


def _frame(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _error_frame(code: str, client_id: Any = None, message: str | None = None) -> dict:
    frame: dict[str, Any] = {
        "type": "error",
        "code": code,
        "message": message or str(_ERRORS[code]),
    }
    if client_id is not None:
        frame["id"] = client_id
    return frame


_ERRORS = {
    "malformed": gettext_lazy("Tin gửi không đúng định dạng."),
    "too_large": gettext_lazy("Tin gửi quá lớn."),
    "unknown_type": gettext_lazy("Không rõ yêu cầu."),
    "unknown_queue": gettext_lazy("Không khớp trạng thái lớp; đang tải lại."),
    "queue_pruned": gettext_lazy("Mất kết nối quá lâu; đang tải lại toàn bộ lớp học."),
    "superseded": gettext_lazy("Bạn đã vào lớp từ một cửa sổ hoặc thiết bị khác."),
    "flood": gettext_lazy("Gửi quá nhiều, quá nhanh; kết nối bị đóng."),
}

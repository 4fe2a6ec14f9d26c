"""The classroom socket: /ws/live/<session id>/.

Protocol (JSON text frames). The client sends ``register`` (answered with the whole
``state`` and its sequence number) or, after a reconnect, ``resume`` with the last
number it applied (answered with each missed ``event`` in order, then ``resumed``; a
number the room does not know, or one too far behind, is the coded error
``unknown_queue`` or ``queue_pruned``, and the client registers afresh). ``ping``
every HEARTBEAT_SECONDS keeps the socket counted as present. ``action`` frames carry a
client id, answered by ``ack`` or ``error`` to that client only; a repeated id (a
resend after a lost ack) is acknowledged again and done once.
"""

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from lms.errors import ServiceError

from .actions import ACTIONS, action_perform
from .models import Participant
from .selectors import REPLAY_LIMIT, access_live_session, events_after, room_last_seq, room_state
from .services import presence
from .services.events import event_frame, room_group
from .services.polls import poll_results_publish
from .services.room import Actor

MAX_FRAME_BYTES = 8 * 1024
# Frames of any kind one socket may send per FRAME_WINDOW seconds before it is closed
# as a flood (actions also have a per-person limit across sockets, in actions.py).
FRAME_WINDOW = 10
FRAMES_PER_WINDOW = 120
BATCH_SECONDS = 1.0

# Close codes the client knows: refused (never retry), ended, silent, flooding.
CLOSE_REFUSED = 4403
CLOSE_ENDED = 4410
CLOSE_SILENT = 4408
CLOSE_FLOOD = 4429
CLOSE_SUPERSEDED = 4409


class RoomConsumer(AsyncWebsocketConsumer):
    connection_id: int | None = None
    last_sent: int | None = None
    watchdog: asyncio.Task | None = None

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        user = self.scope.get("user")
        seat = await database_sync_to_async(access_live_session)(user, self.session_id)
        if seat is None:
            # Refused in the handshake: the browser sees a failed connection (403).
            await self.close(code=CLOSE_REFUSED)
            return
        self.user = user
        self.actor = Actor(user.pk, "", seat.role)
        problem = seat.session.window_problem(host=seat.is_host)
        await self.accept()
        if problem:
            await self._error("closed", message=problem)
            await self.close(code=CLOSE_ENDED)
            return
        self.group = room_group(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        connection = await database_sync_to_async(presence.participant_enter)(
            seat.session, user, role=seat.role, channel_name=self.channel_name
        )
        self.connection_id = connection.pk
        await self._soon(
            f"live:presence-due:{self.session_id}", presence.presence_publish, self.session_id
        )
        name = await database_sync_to_async(
            lambda: Participant.objects.get(session_id=self.session_id, user=user).name
        )()
        self.actor = Actor(user.pk, name, seat.role)
        self.heard_at = self.seen_written_at = time.monotonic()
        self.frames: list[float] = []
        self.watchdog = asyncio.create_task(self._watch())

    async def disconnect(self, code: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.connection_id is None:
            return
        await database_sync_to_async(presence.connection_close)(self.connection_id)
        self.connection_id = None
        await self._soon(
            f"live:presence-due:{self.session_id}", presence.presence_publish, self.session_id
        )

    async def _watch(self) -> None:
        """A phone that went silent without closing its socket (no coverage, battery
        out) is closed here, so it leaves the presence list in bounded time."""
        while True:
            await asyncio.sleep(presence.HEARTBEAT_SECONDS / 2)
            if time.monotonic() - self.heard_at > presence.SILENT_SECONDS:
                await self.close(code=CLOSE_SILENT)
                await self.disconnect(CLOSE_SILENT)
                return

    # --- from the client ------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection_id is None:
            return
        self.heard_at = time.monotonic()
        if self._flooding():
            await self._error("flood")
            await self.close(code=CLOSE_FLOOD)
            return
        message = self._parse(text_data, bytes_data)
        if isinstance(message, str):
            await self._error(message)
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
            await self._error("unknown_type")

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
            await database_sync_to_async(presence.connection_seen)(self.connection_id)
        last = await database_sync_to_async(room_last_seq)(self.session_id)
        if self.last_sent is not None and last > self.last_sent:
            # An announcement this socket never got: fill in from the log.
            await self._send_events_after(self.last_sent)
        await self._send({"type": "pong", "seq": last})

    async def _register(self) -> None:
        state = await database_sync_to_async(self._state)()
        self.last_sent = state["seq"]
        await self._send({"type": "state", **state})

    def _state(self) -> dict:
        from .models import LiveSession

        return room_state(LiveSession.objects.get(pk=self.session_id), self.user)

    async def _resume(self, last_seq: Any) -> None:
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            await self._error("malformed")
            return
        current = await database_sync_to_async(room_last_seq)(self.session_id)
        if last_seq > current:
            await self._error("unknown_queue")
            return
        if current - last_seq > REPLAY_LIMIT:
            await self._error("queue_pruned")
            return
        self.last_sent = last_seq
        await self._send_events_after(last_seq)
        await self._send({"type": "resumed", "seq": self.last_sent})

    async def _send_events_after(self, seq: int) -> None:
        while True:
            events = await database_sync_to_async(events_after)(self.session_id, seq)
            for event in events:
                await self.send(text_data=event_frame(event))
                self.last_sent = seq = event.seq
                if event.type == "session.ended":
                    await self.close(code=CLOSE_ENDED)
                    return
            if len(events) < REPLAY_LIMIT:
                return

    async def _action(self, message: dict) -> None:
        client_id = message.get("id")
        if (
            not isinstance(client_id, str | int)
            or isinstance(client_id, bool)
            or len(str(client_id)) > 64
        ):
            await self._error("malformed")
            return
        name = message.get("action")
        if name not in ACTIONS:
            await self._error("unknown_type", client_id)
            return
        try:
            result = await database_sync_to_async(action_perform)(
                self.session_id, self.actor, name, message, str(client_id)
            )
        except ServiceError as error:
            await self._error(error.code, client_id, error.message)
            return
        await self._send({"type": "ack", "id": client_id, "result": result})
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
            await database_sync_to_async(publish)(*args)

        asyncio.get_running_loop().create_task(later())

    # --- from the room --------------------------------------------------------------

    async def room_event(self, message: dict) -> None:
        if self.last_sent is None or message["seq"] <= self.last_sent:
            return
        if message["seq"] == self.last_sent + 1:
            self.last_sent = message["seq"]
            await self.send(text_data=message["frame"])
            if message.get("kind") == "session.ended":
                await self.close(code=CLOSE_ENDED)
        else:
            await self._send_events_after(self.last_sent)

    async def room_superseded(self, message: dict) -> None:
        # Its interval is already closed; only the socket remains to go.
        self.connection_id = None
        await self._error("superseded")
        await self.close(code=CLOSE_SUPERSEDED)

    async def _error(self, code: str, client_id: Any = None, message: str | None = None) -> None:
        frame: dict[str, Any] = {
            "type": "error",
            "code": code,
            "message": message or str(_ERRORS[code]),
        }
        if client_id is not None:
            frame["id"] = client_id
        await self._send(frame)

    async def _send(self, payload: dict) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


_ERRORS = {
    "malformed": gettext_lazy("Tin gửi không đúng định dạng."),
    "too_large": gettext_lazy("Tin gửi quá lớn."),
    "unknown_type": gettext_lazy("Không rõ yêu cầu."),
    "unknown_queue": gettext_lazy("Không khớp trạng thái lớp; đang tải lại."),
    "queue_pruned": gettext_lazy("Mất kết nối quá lâu; đang tải lại toàn bộ lớp học."),
    "superseded": gettext_lazy("Bạn đã vào lớp từ một cửa sổ hoặc thiết bị khác."),
    "flood": gettext_lazy("Gửi quá nhiều, quá nhanh; kết nối bị đóng."),
}

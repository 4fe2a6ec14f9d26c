"""The fan-out of room events inside one ASGI process.

Why not a channel-layer group of sockets: ``group_send`` to a group of a thousand
sockets writes a thousand messages into Redis, and the process reads them back one by
one, so a large room's every line costs a thousand round trips and the layer's
per-socket queues drop messages silently when they fill. Here each process joins a
room's group once, with one channel of its own, and hands each event to its sockets
in memory: one layer message per process per event, whatever the room's size.

Nothing is lost on the way. The stored log is the truth (services/events.py); events
reach a process in order or with a visible gap, and a gap is filled from the log before
anything after it goes out. A process also checks the log's last number every few
seconds, which catches a lost last event. Each socket has a queue of its own, so a
slow phone delays nobody else; one that falls too far behind is closed and resumes
from its last number when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from .selectors import events_after, room_last_seq
from .services.events import event_frame, room_group

log = logging.getLogger(__name__)

# Events each room keeps in memory, for sockets that registered while some went by.
RECENT_KEPT = 1000
# How often a process asks the log for the room's last number (a lost last event).
LOG_CHECK_SECONDS = 5.0

Item = tuple[int, str, str]  # (seq, event type, ready-made frame)


def db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """A database call off the event loop (Channels' database thread)."""
    return database_sync_to_async(function)


def log_items_after(session_id: int, seq: int) -> list[Item]:
    return [(e.seq, e.type, event_frame(e)) for e in events_after(session_id, seq)]


class Member(Protocol):
    def deliver(self, seq: int, kind: str, frame: str) -> None: ...


class Sequencer:
    """Passes items on in sequence order, each once; fills a gap with ``fill`` (the
    items after a number, in order) before anything after it."""

    def __init__(self, emit: Callable[[Item], None], fill: Callable[[int], Awaitable[list[Item]]]):
        self.emit, self.fill = emit, fill
        self.last: int | None = None
        self.waiting: list[Item] | None = None

    def start(self, seq: int) -> None:
        """Go on from ``seq`` (a fresh state's number, or where a client resumes)."""
        self.last = seq
        self.waiting = None

    def offer(self, item: Item) -> None:
        if self.last is None:
            return
        if self.waiting is not None:
            self.waiting.append(item)
            return
        if item[0] <= self.last:
            return
        if item[0] == self.last + 1:
            self.last = item[0]
            self.emit(item)
            return
        self.waiting = [item]
        asyncio.get_running_loop().create_task(self._fill())

    def catch_up(self, seq: int) -> None:
        """The log says it reaches ``seq``: fetch what has not come."""
        if self.last is not None and self.waiting is None and seq > self.last:
            self.waiting = []
            asyncio.get_running_loop().create_task(self._fill())

    async def _fill(self) -> None:
        try:
            while True:
                assert self.last is not None
                missing = await self.fill(self.last)
                for item in missing:
                    if item[0] == self.last + 1:
                        self.last = item[0]
                        self.emit(item)
                if len(missing) < 500:
                    break
        except Exception:  # the next event or log check tries again
            log.exception("filling a gap in a live room's events failed")
        waiting, self.waiting = self.waiting or [], None
        for item in sorted(waiting):
            self.offer(item)


class Room:
    def __init__(self, hub: RoomHub, session_id: int):
        self.hub, self.session_id = hub, session_id
        self.members: set[Member] = set()
        self.recent: deque[Item] = deque(maxlen=RECENT_KEPT)
        self.sequencer = Sequencer(self._emit, self._fill)
        self.checker: asyncio.Task | None = None

    def _emit(self, item: Item) -> None:
        self.recent.append(item)
        for member in list(self.members):
            member.deliver(*item)

    async def _fill(self, seq: int) -> list[Item]:
        return await db(log_items_after)(self.session_id, seq)

    def items_after(self, seq: int, upto: int) -> list[Item] | None:
        """The items seq+1..upto from memory, or None when memory does not hold them all."""
        wanted = [item for item in self.recent if seq < item[0] <= upto]
        return wanted if len(wanted) == upto - seq else None

    async def _check_log(self) -> None:
        while True:
            await asyncio.sleep(LOG_CHECK_SECONDS)
            with contextlib.suppress(Exception):
                self.sequencer.catch_up(await db(room_last_seq)(self.session_id))


class RoomHub:
    """The rooms of this process's sockets; one per event loop."""

    _hubs: dict[asyncio.AbstractEventLoop, RoomHub] = {}

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.rooms: dict[int, Room] = {}
        self.channel: str | None = None
        self.reader: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    @classmethod
    def current(cls) -> RoomHub:
        loop = asyncio.get_running_loop()
        hub = cls._hubs.get(loop)
        if hub is None:
            hub = cls._hubs[loop] = cls()
        return hub

    async def join(self, session_id: int, member: Member) -> Room:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.reader = asyncio.get_running_loop().create_task(self._read())
            room = self.rooms.get(session_id)
            if room is None:
                room = self.rooms[session_id] = Room(self, session_id)
                await self.layer.group_add(room_group(session_id), self.channel)
                room.sequencer.start(await db(room_last_seq)(session_id))
                room.checker = asyncio.get_running_loop().create_task(room._check_log())
            room.members.add(member)
            return room

    async def leave(self, session_id: int, member: Member) -> None:
        async with self.lock:
            room = self.rooms.get(session_id)
            if room is None:
                return
            room.members.discard(member)
            if not room.members:
                del self.rooms[session_id]
                if room.checker:
                    room.checker.cancel()
                await self.layer.group_discard(room_group(session_id), self.channel)
            if not self.rooms and self.reader is not None:
                # No room left in this process: stop reading until one opens again.
                self.reader.cancel()
                self.reader = self.channel = None

    async def _rejoin(self) -> None:
        for session_id, room in list(self.rooms.items()):
            with contextlib.suppress(Exception):
                await self.layer.group_add(room_group(session_id), self.channel)
                room.sequencer.catch_up(await db(room_last_seq)(session_id))

    async def _read(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarted: it forgot the groups; the log fills in
                log.warning("reading live rooms' events failed; joining again", exc_info=True)
                await asyncio.sleep(1)
                await self._rejoin()
                continue
            room = self.rooms.get(message.get("session"))
            if room is not None and message.get("type") == "room.event":
                room.sequencer.offer((message["seq"], message["kind"], message["frame"]))

"""One learner's socket and what it received, as its reader notes it; the ping the
product's page sends."""

import asyncio
import random
from collections import Counter

from websockets.exceptions import ConnectionClosed

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


async def heartbeat(ws) -> None:
    """A ping every 20 s, as the product's page sends (the server closes a socket silent
    for 60 s), until the socket closes. The first comes after a random part of the
    interval: spread, as a thousand phones opening the page at different moments are."""
    await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
    while True:
        try:
            await ws.send('{"type":"ping"}')
        except ConnectionClosed:
            return
        await asyncio.sleep(HEARTBEAT_SECONDS)

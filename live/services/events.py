"""The room's ordered log and its fan-out.

Fan-out design. Every event is first written to the database with the room's next
sequence number (the row lock on the session serialises numbering, and numbers are
committed in order); only then, on commit, is it announced to the room's channel-layer
group. The group message is a doorbell that happens to carry the event's ready-made
frame: a consumer that receives seq N+1 after N sends the frame as it is (one JSON
encoding per event, not per listener). A consumer that sees a gap (its queue was full
and the layer dropped a message, or two processes' announcements crossed) reads the
missing events from the log, in order, before going on; on every heartbeat it compares
the room's last number with its own, which also brings events announced by another
process's in-memory layer (the embedded default's Celery worker) within a heartbeat. So the channel layer's
capacity bounds latency, never correctness: nothing is lost when it drops messages.
"""

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from ..models import LiveSession, RoomEvent

log = logging.getLogger(__name__)


def room_group(session_id: int) -> str:
    return f"live.{session_id}"


def event_body(event: RoomEvent) -> dict[str, Any]:
    return {"type": event.type, "at": event.created_at.isoformat(), **event.payload}


def event_frame(event: RoomEvent) -> str:
    return json.dumps(
        {"type": "event", "seq": event.seq, "event": event_body(event)},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def room_event_append(
    session_id: int, type: str, payload: dict[str, Any], *, actor_id: int | None = None
) -> RoomEvent:
    """Store one event under the room's next number and announce it after commit.

    Runs inside the caller's transaction, so the change it reports and the event
    commit together or not at all."""
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().only("last_seq").get(pk=session_id)
        session.last_seq += 1
        LiveSession.objects.filter(pk=session_id).update(last_seq=session.last_seq)
        event = RoomEvent.objects.create(
            session_id=session_id,
            seq=session.last_seq,
            type=type,
            payload=payload,
            actor_id=actor_id,
        )
        transaction.on_commit(lambda: room_broadcast(event))
    return event


def room_broadcast(event: RoomEvent) -> None:
    """Ring the room's doorbell. The event is already committed, so a layer that fails
    (Redis restarting) must not fail the action that wrote it: the page would send it
    again and it would be done twice. Each process's log check delivers it instead."""
    _layer_send(
        "group_send",
        room_group(event.session_id),
        {
            "type": "room.event",
            "session": event.session_id,
            "seq": event.seq,
            "kind": event.type,
            "frame": event_frame(event),
        },
    )


def room_control_send_to(channel_name: str, message: dict[str, Any]) -> None:
    """A message to one socket's consumer (close it: a newer socket replaced it)."""
    _layer_send("send", channel_name, message)


def _layer_send(method: str, target: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(getattr(layer, method))(target, message)
    except Exception:
        log.warning("the channel layer refused a live room's message", exc_info=True)

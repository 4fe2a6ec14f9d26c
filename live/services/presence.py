"""Who is in the room, measured by the server: a Connection per socket, kept alive by
the client's heartbeat, closed on disconnect, by the room's end or by the sweep when
a phone went silent without a goodbye. A closed connection is an attendance interval,
reported to the progress pipeline for enrolled learners."""

import uuid
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courses.models import Activity, Enrolment
from courses.services.progress import progress_record
from lms.admin_users import display_name
from lms.errors import ServiceError

from ..kind import LIVE
from ..models import Connection, LiveSession, Participant
from .events import room_control_send_to, room_event_append

# The client beats every HEARTBEAT_SECONDS; the database hears of it at most every
# SEEN_WRITE_SECONDS per socket (a thousand phones must not mean a thousand writes
# every few seconds); a socket unheard for SILENT_SECONDS is closed by its consumer,
# and one left open by a process that died is closed by the sweep after
# SWEEP_AFTER_SECONDS. A dead phone is gone from the list within about two minutes.
HEARTBEAT_SECONDS = 20
SEEN_WRITE_SECONDS = 30
SILENT_SECONDS = 60
SWEEP_AFTER_SECONDS = SEEN_WRITE_SECONDS + SILENT_SECONDS + 30

# Sockets one person may hold open in one room. A phone on a flaky link opens a new
# socket before the server has noticed that the old one died; the new one wins.
SOCKETS_PER_PERSON = 3

INTERVAL_NAMESPACE = uuid.UUID("0b6f7c1e-1f43-4a55-9a0c-5d1b3f5e8a21")


def participant_enter(session: LiveSession, user, *, role: str, channel_name: str) -> Connection:
    """A socket joined: open its interval. The room hears of the person with the next
    presence batch (``presence_publish``)."""
    now = timezone.now()
    with transaction.atomic():
        participant, _ = Participant.objects.get_or_create(
            session=session, user=user, defaults={"name": display_name(user), "role": role}
        )
        connection = Connection.objects.create(
            session=session, user=user, channel_name=channel_name, joined_at=now, last_seen_at=now
        )
        older = Connection.objects.filter(session=session, user=user, left_at__isnull=True).exclude(
            pk=connection.pk
        )
        for stale in list(older.order_by("-last_seen_at")[SOCKETS_PER_PERSON - 1 :]):
            connection_close(stale.pk, at=stale.last_seen_at)
            transaction.on_commit(
                partial(room_control_send_to, stale.channel_name, {"type": "room.superseded"})
            )
        if not participant.online or participant.role != role:
            Participant.objects.filter(pk=participant.pk).update(online=True, role=role)
    connection.participant_name = participant.name  # type: ignore[attr-defined]
    return connection


def presence_publish(session_id: int) -> bool:
    """Tell the room, in one event, who came and who went since it was last told.

    Presence is batched because it is the one thing everybody does at once: a class of
    a thousand arriving at two o'clock would otherwise be a thousand events, each sent
    to everyone already there. Returns whether there was anything to tell."""
    with transaction.atomic():
        LiveSession.objects.select_for_update().only("pk").get(pk=session_id)
        changed = list(
            Participant.objects.filter(session_id=session_id)
            .exclude(online=F("listed"))
            .order_by("pk")
        )
        if not changed:
            return False
        joined = [p for p in changed if p.online]
        left = [p for p in changed if not p.online]
        Participant.objects.filter(pk__in=[p.pk for p in joined]).update(listed=True)
        Participant.objects.filter(pk__in=[p.pk for p in left]).update(
            listed=False, hand_raised=False
        )
        room_event_append(
            session_id,
            "presence",
            {
                "joined": [
                    {"user": p.user_id, "name": p.name, "role": p.role, "muted": p.muted}
                    for p in joined
                ],
                "left": [p.user_id for p in left],
            },
        )
    return True


def presence_pending(session_id: int | None = None) -> list[int]:
    """Rooms with presence changes not yet told (their batch's process may be gone)."""
    pending = Participant.objects.exclude(online=F("listed"))
    if session_id is not None:
        pending = pending.filter(session_id=session_id)
    return list(pending.values_list("session_id", flat=True).distinct())


def connection_seen(connection_id: int, at: datetime | None = None) -> None:
    Connection.objects.filter(pk=connection_id, left_at__isnull=True).update(
        last_seen_at=at or timezone.now()
    )


def connection_close(connection_id: int, *, at: datetime | None = None) -> None:
    """A socket ended (or was found dead): its interval closes, and a person with no
    other socket leaves the list. Safe to call twice."""
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update()
            .filter(pk=connection_id, left_at__isnull=True)
            .first()
        )
        if connection is None:
            return
        connection.left_at = max(connection.last_seen_at, min(at or timezone.now(), timezone.now()))
        connection.save(update_fields=["left_at"])
        _leave_if_last(connection.session_id, connection.user_id)
        transaction.on_commit(lambda: attendance_report(connection.pk))


def _leave_if_last(session_id: int, user_id: int) -> None:
    if Connection.objects.filter(
        session_id=session_id, user_id=user_id, left_at__isnull=True
    ).exists():
        return
    Participant.objects.filter(session_id=session_id, user_id=user_id, online=True).update(
        online=False
    )


def connections_sweep(now: datetime | None = None) -> int:
    """Close the sockets nobody has heard for too long (their process may be gone)."""
    now = now or timezone.now()
    silent = Connection.objects.filter(
        left_at__isnull=True, last_seen_at__lt=now - timedelta(seconds=SWEEP_AFTER_SECONDS)
    ).values_list("pk", "last_seen_at")
    closed = 0
    for pk, last_seen in list(silent[:1000]):
        connection_close(pk, at=last_seen)
        closed += 1
    for session_id in presence_pending():
        presence_publish(session_id)
    return closed


def session_connections_close(session: LiveSession, at: datetime) -> None:
    for pk in Connection.objects.filter(session=session, left_at__isnull=True).values_list(
        "pk", flat=True
    ):
        connection_close(pk, at=at)
    presence_publish(session.pk)


def attendance_report(connection_id: int) -> None:
    """Report one closed interval of an enrolled learner to the progress pipeline.
    Idempotent: the event id is derived from the connection."""
    connection = Connection.objects.select_related("session").filter(pk=connection_id).first()
    if connection is None or connection.left_at is None:
        return
    session = connection.session
    activity_id = _activity_id(session)
    if activity_id is None:
        return
    enrolled = Enrolment.objects.filter(
        learner_id=connection.user_id, course_id=session.course_id, status=Enrolment.Status.ACTIVE
    ).exists()
    if not enrolled:
        return
    try:
        progress_record(
            learner=connection.user,
            activity_id=activity_id,
            verb="attended",
            payload=attendance_payload(session, connection.joined_at, connection.left_at),
            at=connection.left_at,
            event_id=uuid.uuid5(INTERVAL_NAMESPACE, f"connection:{connection.pk}"),
        )
    except ServiceError:
        # Enrolment withdrawn in between, or the activity retired: nothing to record.
        return


def window_report(session_id: int) -> None:
    """After the session ended (perhaps early), measure every learner who came against
    the time it really lasted."""
    session = LiveSession.objects.get(pk=session_id)
    activity_id = _activity_id(session)
    if activity_id is None or session.ended_at is None:
        return
    learners = Enrolment.objects.filter(
        course_id=session.course_id,
        status=Enrolment.Status.ACTIVE,
        learner__live_participations__session=session,
    ).select_related("learner")
    for enrolment in learners:
        payload = attendance_payload(session, session.starts_at, session.starts_at)
        try:
            progress_record(
                learner=enrolment.learner,
                activity_id=activity_id,
                verb="attended",
                payload={k: payload[k] for k in ("window", "percent")},
                at=session.ended_at,
                event_id=uuid.uuid5(
                    INTERVAL_NAMESPACE, f"window:{session.pk}:{enrolment.learner_id}"
                ),
            )
        except ServiceError:
            continue


def _activity_id(session: LiveSession):
    return (
        Activity.objects.filter(kind=LIVE, source_ref=str(session.pk), is_active=True)
        .values_list("pk", flat=True)
        .first()
    )


def attendance_payload(session: LiveSession, start: datetime, end: datetime) -> dict:
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "window": [session.starts_at.isoformat(), session.closes_at.isoformat()],
        "percent": session.attendance_percent,
    }

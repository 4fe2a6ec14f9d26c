"""A session's life in its course: its activity follows the session (published, edited,
unpublished, deleted), and its end, by the host or by the clock."""

from django.db import transaction
from django.utils import timezone

from courses.services.activities import activity_follow, activity_retire

from ..kind import LIVE
from ..models import LiveSession
from .events import room_event_append
from .presence import session_connections_close, window_report
from .room import Actor, require_host


def live_session_activity_sync(session: LiveSession) -> None:
    activity_follow(
        kind=LIVE,
        source_ref=str(session.pk),
        published=session.published,
        course=session.course,
        module=session.module,
        title=session.title,
        required=session.required,
        # After the module's quizzes, in the order the sessions happen.
        rank=f"~{session.starts_at:%Y%m%d%H%M}",
    )


def live_session_activity_retire(session_id: int) -> None:
    activity_retire(kind=LIVE, source_ref=str(session_id))


def session_end(session_id: int, actor: Actor | None) -> bool:
    """End the session for everyone: sockets close, attendance intervals end now and are
    reported, and the window every learner's attendance is measured against becomes
    the time the session really lasted. False if it had already ended."""
    if actor is not None:
        require_host(actor)
    now = timezone.now()
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            return False
        session.ended_at = min(now, session.ends_at) if now > session.starts_at else now
        session.save(update_fields=["ended_at"])
        session_connections_close(session, now)
        room_event_append(
            session_id, "session.ended", {}, actor_id=actor.user_id if actor else None
        )
        transaction.on_commit(lambda: window_report(session_id))
        transaction.on_commit(lambda: _media_close_later(session_id))
    return True


def _media_close_later(session_id: int) -> None:
    from ..tasks import media_close_task

    media_close_task.delay(session_id)


def sessions_end_due(now=None) -> int:
    """Sessions past their scheduled end are ended for everyone still in them."""
    now = now or timezone.now()
    due = LiveSession.objects.filter(ended_at__isnull=True, ends_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due[:100]) if session_end(pk, None))

"""Reads of the live classroom, each scoped to the asking user. A session the user
may not enter answers exactly like one that does not exist (None here, 404 in views,
a refused handshake on the socket)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from courses.models import Enrolment
from courses.selectors.staff import courses_taught_by

from .models import (
    ChatMessage,
    Connection,
    LiveSession,
    Participant,
    Poll,
    PollVote,
    Question,
    QuestionVote,
    RoomEvent,
)

# The room state carries the last CHAT_KEPT chat lines; the transcript has them all.
CHAT_KEPT = 100
# A client further behind than this refetches the whole state instead of replaying.
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Seat:
    session: LiveSession
    role: str  # Participant.Role

    @property
    def is_host(self) -> bool:
        return self.role == Participant.Role.HOST


def _enrolled_sessions(user) -> QuerySet[LiveSession]:
    enrolments = Enrolment.objects.filter(learner=user, status=Enrolment.Status.ACTIVE)
    return LiveSession.objects.filter(
        Q(cohort__isnull=True, course_id__in=enrolments.values("course_id"))
        | Q(cohort_id__in=enrolments.filter(cohort__isnull=False).values("cohort_id")),
        published=True,
        course__live=True,
    )


def sessions_hosted_by(user) -> QuerySet[LiveSession]:
    if not user.is_authenticated:
        return LiveSession.objects.none()
    return LiveSession.objects.filter(
        Q(course__in=courses_taught_by(user)) | Q(hosts=user)
    ).distinct()


def sessions_for_learner(user) -> QuerySet[LiveSession]:
    if not user.is_authenticated:
        return LiveSession.objects.none()
    return _enrolled_sessions(user)


def access_live_session(user, session_id: int) -> Seat | None:
    """The user's seat in a session: host (hosts, the course's trainers, admins) or
    learner (actively enrolled, in the session's cohort if it has one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    session = sessions_hosted_by(user).select_related("course").filter(pk=session_id).first()
    if session is not None:
        return Seat(session, Participant.Role.HOST)
    session = _enrolled_sessions(user).select_related("course").filter(pk=session_id).first()
    if session is not None:
        return Seat(session, Participant.Role.LEARNER)
    return None


def sessions_visible_to(user) -> QuerySet[LiveSession]:
    """Sessions the user learns in or hosts."""
    return LiveSession.objects.filter(
        Q(pk__in=sessions_for_learner(user).values("pk"))
        | Q(pk__in=sessions_hosted_by(user).values("pk"))
    )


def upcoming_sessions(user, now: datetime | None = None, limit: int = 5) -> list[LiveSession]:
    now = now or timezone.now()
    return list(
        sessions_visible_to(user)
        .filter(ends_at__gt=now, ended_at__isnull=True)
        .select_related("course")
        .order_by("starts_at")[:limit]
    )


def room_state(session: LiveSession, user) -> dict[str, Any]:
    """The whole room as a client needs it, with the number of the last event it
    reflects. The number is read first: events after it may already show in what
    follows, which is harmless, since every event sets values rather than adding to
    them, so replaying it changes nothing."""
    seq = LiveSession.objects.filter(pk=session.pk).values_list("last_seq", flat=True).get()
    session = LiveSession.objects.select_related("slide_deck").get(pk=session.pk)
    participants = {
        str(p.user_id): {
            "name": p.name,
            "role": p.role,
            "online": p.listed,
            "hand": p.hand_raised,
            "muted": p.muted,
        }
        for p in Participant.objects.filter(session=session)
    }
    # Deleted lines stay as markers, so that the window of the last CHAT_KEPT lines is
    # the same whether a client built it from events or fetched it now.
    chat = [
        {"id": m.pk, "deleted": True}
        if m.deleted_at
        else {"id": m.pk, "user": m.author_id, "name": m.name, "text": m.text}
        for m in reversed(ChatMessage.objects.filter(session=session).order_by("-pk")[:CHAT_KEPT])
    ]
    questions = [
        {
            "id": q.pk,
            "user": q.author_id,
            "name": q.name,
            "text": q.text,
            "votes": q.votes,
            "answered": q.answered_at is not None,
        }
        for q in Question.objects.filter(session=session, deleted_at__isnull=True)
    ]
    polls = [
        {
            "id": p.pk,
            "question": p.question,
            "options": p.options,
            "quiz": p.correct_option is not None,
            "open": p.closed_at is None,
            "counts": p.counts,
            "correct": p.correct_option if p.closed_at is not None else None,
        }
        for p in Poll.objects.filter(session=session)
    ]
    deck = session.slide_deck
    room = {
        "session": {
            "ended": session.ended_at is not None,
            "chat_locked": session.chat_locked,
            "slow_mode": session.slow_mode_seconds,
        },
        "participants": participants,
        "chat": chat,
        "questions": questions,
        "polls": polls,
        "slides": {"deck": deck.pk, "pages": deck.pages, "page": session.slide_page}
        if deck is not None
        else None,
    }
    return {"seq": seq, "room": room, "you": you_state(session, user)}


def you_state(session: LiveSession, user) -> dict[str, Any]:
    """What only this participant sees: their own answers and votes."""
    return {
        "user": user.pk,
        "poll_votes": {
            str(poll): option
            for poll, option in PollVote.objects.filter(
                poll__session=session, user=user
            ).values_list("poll_id", "option")
        },
        "question_votes": list(
            QuestionVote.objects.filter(question__session=session, user=user).values_list(
                "question_id", flat=True
            )
        ),
    }


def events_after(session_id: int, seq: int, limit: int = REPLAY_LIMIT) -> list[RoomEvent]:
    return list(
        RoomEvent.objects.filter(session_id=session_id, seq__gt=seq).order_by("seq")[:limit]
    )


def room_last_seq(session_id: int) -> int:
    return LiveSession.objects.filter(pk=session_id).values_list("last_seq", flat=True).get()


@dataclass
class AttendanceRow:
    user_id: int
    name: str
    username: str
    role: str
    first_joined: datetime | None
    last_left: datetime | None
    connections: int
    seconds: int
    percent: int


def attendance_rows(session: LiveSession, now: datetime | None = None) -> list[AttendanceRow]:
    """Per participant: merged time inside the session's window (overlapping sockets
    of a reconnect or a second tab count once) and its share of the session."""
    from courses.activity_kinds import merge_intervals

    from .kind import clip

    now = now or timezone.now()
    window = (session.starts_at, min(session.closes_at, max(now, session.starts_at)))
    length = max((session.closes_at - session.starts_at).total_seconds(), 1)
    by_user: dict[int, list] = {}
    for connection in Connection.objects.filter(session=session).order_by("joined_at"):
        by_user.setdefault(connection.user_id, []).append(connection)
    rows = []
    for participant in Participant.objects.filter(session=session).select_related("user"):
        connections = by_user.get(participant.user_id, [])
        intervals = [
            clipped
            for c in connections
            if (clipped := clip((c.joined_at, c.left_at or now), window))
        ]
        seconds = int(sum((b - a).total_seconds() for a, b in merge_intervals(intervals)))
        rows.append(
            AttendanceRow(
                user_id=participant.user_id,
                name=participant.name,
                username=participant.user.get_username(),
                role=participant.role,
                first_joined=connections[0].joined_at if connections else None,
                last_left=max((c.ended_at for c in connections), default=None),
                connections=len(connections),
                seconds=seconds,
                percent=min(100, round(100 * seconds / length)),
            )
        )
    return sorted(rows, key=lambda r: (r.role != Participant.Role.HOST, r.name))


def session_transcript(session: LiveSession) -> dict[str, Any]:
    """What was said, asked and answered, kept on the session page after it ends."""
    return {
        "chat": list(
            ChatMessage.objects.filter(session=session, deleted_at__isnull=True).order_by("pk")
        ),
        "questions": list(
            Question.objects.filter(session=session, deleted_at__isnull=True).order_by(
                "-votes", "pk"
            )
        ),
        "polls": [
            {"poll": p, "rows": list(zip(p.options, p.counts, strict=False))}
            for p in Poll.objects.filter(session=session).order_by("pk")
        ],
    }

"""What participants may do in the room, and what the room refuses (and leaves as it was)."""

from datetime import timedelta

import pytest
from channels.layers import channel_layers
from django.utils import timezone

from courses.models import ActivityProgress
from courses.services.enrolment import enrolment_create
from live.actions import action_perform
from live.models import ChatMessage, Connection, LiveSession, Participant, PollVote, RoomEvent
from live.services import polls, presence, room, sessions
from live.services.room import Actor
from lms.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(session, enrolled, trainer, make_learner):
    second = make_learner("lan")
    enrolment_create(learner=second, course=session.course)
    for user, role in ((trainer, "host"), (enrolled, "learner"), (second, "learner")):
        presence.participant_enter(session, user, role=role, channel_name=f"c{user.pk}")
    presence.presence_publish(session.pk)
    return (
        Actor(trainer.pk, "Cô giáo", "host"),
        Actor(enrolled.pk, "Hoa", "learner"),
        Actor(second.pk, "Lan", "learner"),
    )


def refused(code, call, *args, **kwargs):
    before = RoomEvent.objects.count()
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code and caught.value.message
    assert RoomEvent.objects.count() == before, "a refusal leaves no event"


def test_muted_learner_cannot_chat_or_ask_until_unmuted(session, actors):
    host, hoa, lan = actors
    room.participant_mute(session.pk, host, hoa.user_id, True)
    refused("muted", room.chat_post, session.pk, hoa, "Xin chào")
    refused("muted", room.question_ask, session.pk, hoa, "Hỏi")
    room.chat_post(session.pk, lan, "Lan vẫn nói được")
    room.participant_mute(session.pk, host, hoa.user_id, False)
    room.chat_post(session.pk, hoa, "Đã nói được")
    assert list(ChatMessage.objects.values_list("text", flat=True)) == [
        "Lan vẫn nói được",
        "Đã nói được",
    ]
    refused("forbidden", room.participant_mute, session.pk, host, host.user_id, True)
    refused("forbidden", room.participant_mute, session.pk, lan, hoa.user_id, True)


def test_locked_chat_and_slow_mode_bind_learners_not_hosts(session, actors):
    host, hoa, _ = actors
    room.room_settings_change(session.pk, host, {"chat_locked": True})
    refused("chat_locked", room.chat_post, session.pk, hoa, "Xin chào")
    room.chat_post(session.pk, host, "Chỉ cô nói")
    room.room_settings_change(session.pk, host, {"chat_locked": False, "slow_mode": 30})
    room.chat_post(session.pk, hoa, "Một")
    refused("slow_mode", room.chat_post, session.pk, hoa, "Hai")
    room.chat_post(session.pk, host, "Cô không bị giới hạn")
    room.chat_post(session.pk, host, "Cô không bị giới hạn 2")
    refused("invalid", room.room_settings_change, session.pk, host, {"slow_mode": 100000})
    refused("invalid", room.room_settings_change, session.pk, host, {"slow_mode": "30"})
    refused("forbidden", room.room_settings_change, session.pk, hoa, {"chat_locked": True})


def test_an_action_done_while_the_channel_layer_fails_is_done_once(
    session, actors, settings, django_capture_on_commit_callbacks
):
    """Redis restarting: the message is stored, but ringing the room's doorbell fails.
    The action still succeeds (processes read the log), so the page does not send it
    again as if it had not been done; a resend is answered as a duplicate."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 1}]
            },
        }
    }
    channel_layers.backends.clear()
    _, hoa, _ = actors
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = action_perform(session.pk, hoa, "chat.send", {"text": "Slao cạ"}, "m1")
        again = action_perform(session.pk, hoa, "chat.send", {"text": "Slao cạ"}, "m1")
    finally:
        channel_layers.backends.clear()
    message = ChatMessage.objects.get()
    assert first["message"] == message.pk and again == {**first, "duplicate": True}
    assert RoomEvent.objects.filter(type="chat.posted").count() == 1


def test_chat_text_is_cleaned_and_bounded(session, actors):
    _, hoa, _ = actors
    message = room.chat_post(session.pk, hoa, "  abc\u202etxt.exe\u0000  ")
    assert message.text == "abctxt.exe"
    refused("invalid", room.chat_post, session.pk, hoa, "\u202e\u200b  ")
    refused("invalid", room.chat_post, session.pk, hoa, ["list"])
    refused("too_long", room.chat_post, session.pk, hoa, "ư" * 1001)


def test_question_votes_count_once_and_only_hosts_mark_answered(session, actors):
    host, hoa, lan = actors
    question = room.question_ask(session.pk, hoa, "Tiếng Tày có mấy thanh?")
    assert room.question_vote(session.pk, lan, question.pk) is True
    assert room.question_vote(session.pk, lan, question.pk) is False
    question.refresh_from_db()
    assert question.votes == 1
    refused("forbidden", room.question_answered, session.pk, lan, question.pk)
    refused("forbidden", room.question_delete, session.pk, lan, question.pk)
    room.question_answered(session.pk, host, question.pk)
    room.question_delete(session.pk, hoa, question.pk)
    refused("not_found", room.question_vote, session.pk, lan, question.pk)


def test_hands_go_up_by_oneself_and_down_by_a_host(session, actors):
    host, hoa, lan = actors
    room.hand_set(session.pk, hoa, True)
    refused("forbidden", room.hand_set, session.pk, lan, False, user_id=hoa.user_id)
    refused("forbidden", room.hand_set, session.pk, host, True, user_id=hoa.user_id)
    room.hand_set(session.pk, host, False, user_id=hoa.user_id)
    assert not Participant.objects.get(user_id=hoa.user_id).hand_raised
    events = RoomEvent.objects.count()
    room.hand_set(session.pk, hoa, False)
    assert RoomEvent.objects.count() == events, "no change, no event"


def test_polls_first_answer_stands_and_closed_polls_refuse(session, actors):
    host, hoa, lan = actors
    refused("invalid", polls.poll_open, session.pk, host, "?", ["một"])
    refused("invalid", polls.poll_open, session.pk, host, "?", ["a"] * 11)
    refused("invalid", polls.poll_open, session.pk, host, "?", ["a", "b"], correct=2)
    refused("invalid", polls.poll_open, session.pk, host, "?", "a,b")
    poll = polls.poll_open(session.pk, host, "Lời chào?", ["Slao cạ", "Kin khẩu"], correct=0)
    assert polls.poll_vote(session.pk, hoa, poll.pk, 1) == 1
    assert polls.poll_vote(session.pk, hoa, poll.pk, 0) == 1, "the first answer stands"
    with pytest.raises(ServiceError) as caught:
        polls.poll_vote(session.pk, lan, poll.pk, 5)
    assert caught.value.code == "invalid"
    polls.poll_close(session.pk, host, poll.pk)
    poll.refresh_from_db()
    assert poll.counts == [0, 1]
    with pytest.raises(ServiceError) as caught:
        polls.poll_vote(session.pk, lan, poll.pk, 0)
    assert caught.value.code == "poll_closed"
    assert PollVote.objects.count() == 1


def test_an_ended_session_refuses_everything(session, actors):
    host, hoa, _ = actors
    assert sessions.session_end(session.pk, host) is True
    assert sessions.session_end(session.pk, host) is False
    refused("ended", room.chat_post, session.pk, hoa, "Còn ai không?")
    refused("ended", polls.poll_open, session.pk, host, "?", ["a", "b"])
    assert not Connection.objects.filter(left_at__isnull=True).exists()
    assert not Participant.objects.filter(listed=True).exists()


def test_the_sweep_closes_silent_sockets_at_their_last_heartbeat(
    session, actors, django_capture_on_commit_callbacks
):
    _, hoa, _ = actors
    long_ago = timezone.now() - timedelta(seconds=presence.SWEEP_AFTER_SECONDS + 5)
    Connection.objects.filter(user_id=hoa.user_id).update(
        joined_at=long_ago - timedelta(minutes=10), last_seen_at=long_ago
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert presence.connections_sweep() == 1
    connection = Connection.objects.get(user_id=hoa.user_id)
    assert connection.left_at == long_ago, "attendance ends when the phone was last heard"
    assert not Participant.objects.get(user_id=hoa.user_id).listed
    last = RoomEvent.objects.order_by("-seq").first()
    assert last.type == "presence" and last.payload["left"] == [hoa.user_id]
    progress = ActivityProgress.objects.get(learner_id=hoa.user_id)
    # From the session's start (the socket came earlier) to the last heartbeat.
    assert progress.seconds_spent == int((long_ago - session.starts_at).total_seconds())
    assert presence.connections_sweep() == 0


def test_sessions_past_their_end_are_ended_by_the_sweep(session, actors):
    LiveSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert sessions.sessions_end_due() == 1
    session.refresh_from_db()
    assert session.ended_at is not None and session.ended_at <= session.ends_at
    assert sessions.sessions_end_due() == 0

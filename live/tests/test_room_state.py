"""For every room event type: the state a client builds by applying the events (with
the browser's own reducer) equals the state fetched afresh."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from live.models import Participant
from live.selectors import CHAT_KEPT, events_after, room_state
from live.services import polls, presence, room, sessions, slides
from live.services.events import event_body
from live.services.room import Actor

from .slides import make_pdf
from .statejs import apply_in_browser_reducer


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _built_and_fresh(session, user, start):
    events = [_plain(event_body(e)) for e in events_after(session.pk, start["seq"], limit=10_000)]
    result = apply_in_browser_reducer(start["room"], events)
    assert result["unknown"] == []
    return result["room"], _plain(room_state(session, user)["room"]), {e["type"] for e in events}


@pytest.fixture
def people(session, enrolled, trainer, make_learner):
    from courses.services.enrolment import enrolment_create

    second = make_learner("lan")
    enrolment_create(learner=second, course=session.course)
    host = Actor(trainer.pk, "Cô giáo", Participant.Role.HOST)
    for user, role in ((trainer, "host"), (enrolled, "learner"), (second, "learner")):
        presence.participant_enter(session, user, role=role, channel_name=f"c{user.pk}")
    presence.presence_publish(session.pk)
    names = dict(Participant.objects.filter(session=session).values_list("user_id", "name"))
    learner = Actor(enrolled.pk, names[enrolled.pk], Participant.Role.LEARNER)
    other = Actor(second.pk, names[second.pk], Participant.Role.LEARNER)
    return host, learner, other


def _steps(session, host, learner, other, settings, tmp_path):
    """One of everything the room can do, in an order that makes each event matter."""
    from live.services.slides import deck_render, deck_upload

    settings.PRIVATE_ROOT = tmp_path
    sid = session.pk
    made = {}

    def upload_and_render():
        deck_render(deck_upload(session, make_pdf(3), user=None).pk)

    def learner_leaves():
        connection = presence.Connection.objects.get(session=session, user_id=learner.user_id)
        presence.connection_close(connection.pk)
        presence.presence_publish(sid)

    return [
        lambda: made.update(message=room.chat_post(sid, learner, "Slao cạ!")),
        lambda: room.chat_post(sid, other, "Chào cô"),
        lambda: room.chat_delete(sid, host, made["message"].pk),
        lambda: room.participant_mute(sid, host, other.user_id, True),
        lambda: room.room_settings_change(sid, host, {"chat_locked": True, "slow_mode": 10}),
        lambda: made.update(question=room.question_ask(sid, learner, "“Pây lăng” là gì?")),
        lambda: made.update(dropped=room.question_ask(sid, learner, "Hỏi nhầm")),
        lambda: room.question_vote(sid, other, made["question"].pk),
        lambda: room.question_answered(sid, host, made["question"].pk),
        lambda: room.question_delete(sid, learner, made["dropped"].pk),
        lambda: room.hand_set(sid, learner, True),
        lambda: room.hand_set(sid, other, True),
        lambda: room.hand_set(sid, host, False, user_id=other.user_id),
        lambda: made.update(
            poll=polls.poll_open(sid, host, "Chọn lời chào", ["Slao cạ", "Kin khẩu"], correct=0)
        ),
        lambda: polls.poll_vote(sid, learner, made["poll"].pk, 0),
        lambda: polls.poll_results_publish(sid, made["poll"].pk),
        lambda: polls.poll_vote(sid, other, made["poll"].pk, 1),
        lambda: polls.poll_close(sid, host, made["poll"].pk),
        lambda: made.update(survey=polls.poll_open(sid, host, "Thăm dò", ["Có", "Không"])),
        lambda: polls.poll_vote(sid, other, made["survey"].pk, 0),
        lambda: polls.poll_results_publish(sid, made["survey"].pk),
        upload_and_render,
        lambda: slides.slides_page_set(sid, host, 3),
        learner_leaves,
        lambda: sessions.session_end(sid, host),
    ]


ALL_TYPES = {
    "presence",
    "chat.posted",
    "chat.deleted",
    "participant.muted",
    "room.settings",
    "question.asked",
    "question.voted",
    "question.answered",
    "question.deleted",
    "hand.changed",
    "poll.opened",
    "poll.results",
    "poll.closed",
    "slides.ready",
    "slides.page",
    "session.ended",
}


def test_every_event_type_rebuilds_the_fresh_state(session, people, trainer, settings, tmp_path):
    host, learner, other = people
    start = room_state(session, trainer)
    for step in _steps(session, host, learner, other, settings, tmp_path):
        step()
    built, fresh, seen = _built_and_fresh(session, trainer, _plain(start))
    assert seen == ALL_TYPES
    assert built == fresh
    # The reducer knows exactly the types the server sends.
    assert set(apply_in_browser_reducer({}, [])["types"]) == ALL_TYPES
    # And the state says what happened, not only that both agree.
    assert [m.get("text") for m in fresh["chat"]] == [None, "Chào cô"]
    assert fresh["session"] == {"ended": True, "chat_locked": True, "slow_mode": 10}
    assert fresh["polls"][0]["counts"] == [1, 1] and fresh["polls"][0]["correct"] == 0
    assert fresh["polls"][1]["open"] is True and fresh["polls"][1]["counts"] == [1, 0]
    assert fresh["slides"]["page"] == 3 and fresh["slides"]["pages"] == 3
    assert fresh["participants"][str(other.user_id)]["muted"] is True
    assert not any(p["online"] or p["hand"] for p in fresh["participants"].values())


def test_registering_at_any_point_then_replaying_ends_in_the_same_state(
    session, people, trainer, settings, tmp_path
):
    """A client that registered after any step and replays from its number ends where
    a client that registers at the end does: a reconnect misses nothing."""
    host, learner, other = people
    snapshots = []
    for step in _steps(session, host, learner, other, settings, tmp_path):
        step()
        snapshots.append(_plain(room_state(session, trainer)))
    fresh = _plain(room_state(session, trainer)["room"])
    for snapshot in snapshots:
        built, _, _ = _built_and_fresh(session, trainer, snapshot)
        assert built == fresh, snapshot["seq"]


def test_chat_window_keeps_the_last_lines_with_deletions_as_markers(session, people, trainer):
    host, learner, _ = people
    start = _plain(room_state(session, trainer))
    posted = [room.chat_post(session.pk, host, f"Dòng {n}") for n in range(CHAT_KEPT + 5)]
    room.chat_delete(session.pk, host, posted[-1].pk)
    room.chat_delete(session.pk, host, posted[10].pk)
    built, fresh, _ = _built_and_fresh(session, trainer, start)
    assert built == fresh
    assert len(fresh["chat"]) == CHAT_KEPT and fresh["chat"][-1] == {
        "id": posted[-1].pk,
        "deleted": True,
    }

"""The classroom socket: who may open it, what it answers, and to whom."""

from datetime import timedelta

import pytest
from django.utils import timezone

from live.models import ChatMessage, Connection, LiveSession, Participant, RoomEvent

from .conftest import run

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_enrolled_learner_and_trainer_enter_and_see_each_other(sock, session, enrolled, trainer):
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        assert (await host.connect())[0]
        state = await host.register()
        assert (await learner.connect())[0]
        learner_state = await learner.register()
        joined = await host.receive()  # the presence batch, about a second later
        while enrolled.pk not in [p["user"] for p in joined["event"]["joined"]]:
            joined = await host.receive()
        await learner.close()
        left = await host.receive()
        await host.close()
        return state, joined, learner_state, left

    state, joined, learner_state, left = run(scenario)
    assert state["room"]["participants"][str(trainer.pk)]["role"] == "host"
    assert joined["event"]["type"] == "presence" and joined["seq"] > state["seq"]
    learner_entry = next(p for p in joined["event"]["joined"] if p["user"] == enrolled.pk)
    assert learner_entry["role"] == "learner"
    assert str(enrolled.pk) in learner_state["room"]["participants"]
    assert left["event"]["left"] == [enrolled.pk] and left["seq"] == joined["seq"] + 1
    connection = Connection.objects.get(user=enrolled)
    assert connection.left_at is not None and connection.left_at >= connection.joined_at


@pytest.mark.parametrize("who", ["anonymous", "outsider", "withdrawn"])
def test_handshake_refused_for_anyone_not_enrolled(sock, session, enrolled, other_learner, who):
    from courses.models import Enrolment
    from courses.services.enrolment import enrolment_withdraw

    user = {"anonymous": None, "outsider": other_learner, "withdrawn": enrolled}[who]
    if who == "withdrawn":
        enrolment_withdraw(enrolment=Enrolment.objects.get(learner=enrolled))
    socket = sock(user, session.pk)

    async def scenario():
        return await socket.connect()

    connected, code = run(scenario)
    assert not connected and code == 4403
    assert not Participant.objects.exists() and not Connection.objects.exists()


@pytest.mark.parametrize("origin", [(b"origin", b"https://evil.example"), None])
def test_handshake_refused_from_another_sites_page(sock, session, enrolled, origin):
    socket = sock(enrolled, session.pk, origin=origin)

    async def scenario():
        return await socket.connect()

    connected, _ = run(scenario)
    assert not connected
    assert not Connection.objects.exists()


def test_unknown_session_is_refused_like_a_forbidden_one(sock, session, enrolled):
    socket = sock(enrolled, session.pk + 1000)

    async def scenario():
        return await socket.connect()

    assert run(scenario) == (False, 4403)


def test_learner_outside_the_join_window_is_told_when_it_opens(sock, session, enrolled):
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=3)
    )
    socket = sock(enrolled, session.pk)

    async def scenario():
        assert (await socket.connect())[0]
        return await socket.receive()

    frame = run(scenario)
    assert (
        frame["type"] == "error" and frame["code"] == "closed" and "Lớp mở lúc" in frame["message"]
    )
    assert not Connection.objects.exists()


def test_chat_reaches_everyone_in_order_and_is_stored(sock, session, enrolled, trainer):
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        await host.enter()
        await learner.enter()
        ack = await learner.act("chat.send", id="m1", text="  Slao cạ! ")
        heard = await host.next_event("chat.posted")
        await host.close()
        await learner.close()
        return ack, heard

    ack, heard = run(scenario)
    assert ack["type"] == "ack"
    assert heard["event"]["type"] == "chat.posted" and heard["event"]["text"] == "Slao cạ!"
    message = ChatMessage.objects.get()
    assert message.text == "Slao cạ!" and heard["event"]["id"] == message.pk
    assert RoomEvent.objects.filter(type="chat.posted").count() == 1


def test_resent_action_is_acknowledged_and_done_once(sock, session, enrolled):
    learner = sock(enrolled, session.pk)

    async def scenario():
        await learner.enter()
        first = await learner.act("chat.send", id="same", text="Một lần thôi")
        again = await learner.act("chat.send", id="same", text="Một lần thôi")
        await learner.close()
        return first, again

    first, again = run(scenario)
    assert first["type"] == again["type"] == "ack" and again["result"]["duplicate"] is True
    assert ChatMessage.objects.count() == 1


BAD_FRAMES = [
    ("not json", "malformed"),
    ("[1, 2]", "malformed"),
    ('{"type": "teleport"}', "unknown_type"),
    ('{"type": "action", "id": "x", "action": "bank.rob"}', "unknown_type"),
    ('{"type": "action", "id": {"deep": 1}, "action": "chat.send"}', "malformed"),
    ('{"type": "resume", "last_seq": "0; drop table"}', "malformed"),
    ('{"type": "resume", "last_seq": true}', "malformed"),
    (
        '{"type": "action", "id": "big", "action": "chat.send", "text": "' + "x" * 9000 + '"}',
        "too_large",
    ),
    (
        '{"type": "action", "id": "x", "action": "chat.send", "text": "' + "x" * 1001 + '"}',
        "too_long",
    ),
    ('{"type": "action", "id": "x", "action": "chat.send", "text": "   "}', "invalid"),
    ('{"type": "action", "id": "x", "action": "chat.send", "text": {"$gt": ""}}', "invalid"),
    ('{"type": "action", "id": "x", "action": "session.end"}', "forbidden"),
    ('{"type": "action", "id": "x", "action": "chat.delete", "message": 1}', "forbidden"),
    (
        '{"type": "action", "id": "x", "action": "poll.open", "question": "?", "options": ["a", "b"]}',
        "forbidden",
    ),
    ('{"type": "action", "id": "x", "action": "participant.mute", "user": 1}', "forbidden"),
    ('{"type": "action", "id": "x", "action": "room.settings", "chat_locked": true}', "forbidden"),
    ('{"type": "action", "id": "x", "action": "slides.page", "page": 2}', "forbidden"),
    ('{"type": "action", "id": "x", "action": "poll.vote", "poll": 999, "option": 0}', "not_found"),
    ('{"type": "action", "id": "x", "action": "question.vote", "question": "1 or 1=1"}', "invalid"),
]


def test_bad_frames_get_a_coded_error_and_change_nothing(sock, session, enrolled, trainer):
    learner, host = sock(enrolled, session.pk), sock(trainer, session.pk)

    async def scenario():
        await host.enter()
        await learner.enter()
        answers = []
        for n, (frame, _code) in enumerate(BAD_FRAMES):
            await learner.comm.send_to(text_data=frame.replace('"id": "x"', f'"id": "x{n}"'))
            answers.append(await learner.receive())
        # Nobody else heard of any of it (the learner's arrival is all the host saw).
        heard = []
        while not await host.comm.receive_nothing(timeout=1.5):
            heard.append(await host.receive())
        await learner.close()
        await host.close()
        return answers, heard

    answers, heard = run(scenario)
    for (frame, code), answer in zip(BAD_FRAMES, answers, strict=True):
        assert answer["type"] == "error" and answer["code"] == code, (frame[:60], answer)
        assert answer["message"]
    assert [h["event"]["type"] for h in heard] == ["presence"]
    assert not ChatMessage.objects.exists()
    assert LiveSession.objects.get().ended_at is None

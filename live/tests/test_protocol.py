"""The room's delivery guarantees over real sockets: replay after a reconnect, gaps
filled from the log, dead sockets closed, floods refused, and the session's end."""

import asyncio

import pytest

from courses.models import ActivityProgress
from live import actions, consumers, hub
from live.models import ChatMessage, Connection
from live.services import events, presence

from .conftest import run

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


async def drain(socket, seconds=1.5) -> list[dict]:
    got = []
    while not await socket.comm.receive_nothing(timeout=seconds):
        got.append(await socket.receive())
    return got


def chat_texts(frames) -> list[str]:
    return [
        f["event"]["text"]
        for f in frames
        if f["type"] == "event" and f["event"]["type"] == "chat.posted"
    ]


def test_a_reconnecting_client_gets_exactly_what_it_missed(sock, session, enrolled, trainer):
    host, first, second = (
        sock(trainer, session.pk),
        sock(enrolled, session.pk),
        sock(enrolled, session.pk),
    )

    async def scenario():
        await host.enter()
        state = await first.enter()
        await first.act("chat.send", id="before", text="Trước khi mất sóng")
        await drain(first)
        last = max(f["seq"] for f in await drain(host) + [{"seq": state["seq"]}])
        await first.close()
        for n in range(3):
            await host.act("chat.send", id=f"h{n}", text=f"Lúc bạn vắng {n}")
        await second.connect()
        await second.send(type="resume", last_seq=last)
        replay = await second.receive_until("resumed")
        await second.close()
        await host.close()
        return last, replay

    last, replay = run(scenario)
    seqs = [f["seq"] for f in replay if f["type"] == "event"]
    assert seqs == list(range(last + 1, last + 1 + len(seqs))), "in order, none twice, none skipped"
    assert chat_texts(replay) == ["Lúc bạn vắng 0", "Lúc bạn vắng 1", "Lúc bạn vắng 2"]
    assert replay[-1]["seq"] == seqs[-1]


def test_unknown_or_pruned_positions_make_the_client_refetch(
    sock, session, enrolled, trainer, monkeypatch
):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 2)
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        state = await host.enter()
        for n in range(4):
            await host.act("chat.send", id=f"h{n}", text=f"Tin {n}")
        await learner.connect()
        await learner.send(type="resume", last_seq=state["seq"] + 10_000)
        unknown = await learner.receive()
        await learner.send(type="resume", last_seq=state["seq"])
        pruned = await learner.receive()
        fresh = await learner.register()
        await learner.close()
        await host.close()
        return unknown, pruned, fresh

    unknown, pruned, fresh = run(scenario)
    assert unknown["code"] == "unknown_queue" and pruned["code"] == "queue_pruned"
    assert [m["text"] for m in fresh["room"]["chat"]] == ["Tin 0", "Tin 1", "Tin 2", "Tin 3"]


def test_dropped_announcements_are_filled_from_the_log(
    sock, session, enrolled, trainer, monkeypatch
):
    """The channel layer may drop messages (a full queue); the log may not."""
    broadcast = events.room_broadcast

    def lossy(event):
        if event.type == "chat.posted" and "mất" in event.payload["text"]:
            return  # as if the layer's queue had been full
        broadcast(event)

    monkeypatch.setattr(events, "room_broadcast", lossy)
    monkeypatch.setattr(hub, "LOG_CHECK_SECONDS", 0.5)
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        await host.enter()
        await learner.enter()
        await drain(learner)  # the presence batch, so that nothing else comes along
        await host.act("chat.send", id="1", text="Một (mất)")
        await host.act("chat.send", id="2", text="Hai")
        await host.act("chat.send", id="3", text="Ba (mất)")
        # "Ba" is the last: no later event shows the gap; the process's look at the
        # log finds it.
        heard = await drain(learner, 2.0)
        await learner.close()
        await host.close()
        return heard

    heard = run(scenario)
    assert chat_texts(heard) == ["Một (mất)", "Hai", "Ba (mất)"]
    seqs = [f["seq"] for f in heard if f["type"] == "event"]
    assert seqs == sorted(set(seqs)), "in order, each once"


def test_a_silent_socket_is_closed_and_leaves_the_list(
    sock, session, enrolled, trainer, monkeypatch
):
    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(presence, "SILENT_SECONDS", 0.6)
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        await host.enter()
        await learner.enter()

        async def beat(socket, times):
            for _ in range(times):
                await asyncio.sleep(0.2)
                await socket.send(type="ping")

        # Both beat for a while; then the learner's phone goes quiet, the host's does not.
        await asyncio.gather(beat(host, 6), beat(learner, 6))
        host_beating = asyncio.ensure_future(beat(host, 25))
        closed = await learner.comm.receive_output(timeout=3)
        while closed["type"] != "websocket.close":
            closed = await learner.comm.receive_output(timeout=3)
        await asyncio.sleep(1.5)
        host_beating.cancel()
        heard = []
        while not await host.comm.receive_nothing(timeout=0.3):
            heard.append(await host.receive())
        await host.close()
        return closed, heard

    closed, heard = run(scenario)
    assert closed["code"] == consumers.CLOSE_SILENT
    presence_events = [f["event"] for f in heard if f.get("type") == "event"]
    assert presence_events[-1]["type"] == "presence"
    assert presence_events[-1]["left"] == [enrolled.pk]
    assert Connection.objects.get(user=enrolled).left_at is not None


def test_action_and_frame_floods_are_refused(sock, session, enrolled, monkeypatch):
    monkeypatch.setattr(actions, "ACTIONS_PER_WINDOW", 5)
    monkeypatch.setattr(actions, "RATE_WINDOW_SECONDS", 3600)
    monkeypatch.setattr(consumers, "FRAMES_PER_WINDOW", 20)
    learner = sock(enrolled, session.pk)

    async def scenario():
        await learner.enter()
        answers = [await learner.act("chat.send", id=f"m{n}", text=f"Tin {n}") for n in range(7)]
        for _ in range(20):
            await learner.send(type="ping")
        frames = []
        while True:
            out = await learner.comm.receive_output(timeout=3)
            if out["type"] == "websocket.close":
                return answers, frames, out["code"]
            frames.append(out)

    answers, frames, code = run(scenario)
    assert [a["type"] for a in answers] == ["ack"] * 5 + ["error"] * 2
    assert answers[-1]["code"] == "rate_limited"
    assert ChatMessage.objects.count() == 5
    assert code == consumers.CLOSE_FLOOD


def test_ending_the_session_closes_every_socket_and_records_attendance(
    sock, session, enrolled, trainer, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    host, learner, late = (
        sock(trainer, session.pk),
        sock(enrolled, session.pk),
        sock(enrolled, session.pk),
    )

    async def scenario():
        await host.enter()
        await learner.enter()
        await asyncio.sleep(1.2)
        ack = await host.act("session.end", id="end")
        frames = []
        while True:
            out = await learner.comm.receive_output(timeout=3)
            if out["type"] == "websocket.close":
                break
            frames.append(out)
        await late.connect()
        refused = await late.receive()
        return ack, frames, out["code"], refused

    ack, frames, code, refused = run(scenario)
    import json

    kinds = [
        json.loads(f["text"]).get("event", {}).get("type") or json.loads(f["text"])["type"]
        for f in frames
    ]
    assert ack["type"] == "ack" and kinds[-1] == "session.ended"
    assert code == consumers.CLOSE_ENDED
    assert refused["code"] == "closed"
    assert not Connection.objects.filter(left_at__isnull=True).exists()
    progress = ActivityProgress.objects.get(learner=enrolled)
    assert progress.seconds_spent >= 1


def test_poll_results_reach_the_room_in_batches(sock, session, enrolled, trainer):
    host, learner = sock(trainer, session.pk), sock(enrolled, session.pk)

    async def scenario():
        await host.enter()
        await learner.enter()
        opened = await host.act(
            "poll.open", id="p", question="Chào thế nào?", options=["Slao cạ", "Mì"]
        )
        poll = opened["result"]["poll"]
        vote = await learner.act("poll.vote", id="v", poll=poll, option=0)
        again = await learner.act("poll.vote", id="v2", poll=poll, option=1)
        heard = await drain(host, 2)
        await learner.close()
        await host.close()
        return vote, again, heard

    vote, again, heard = run(scenario)
    assert vote["result"]["option"] == 0 and again["result"]["option"] == 0
    results = [
        f["event"]
        for f in heard
        if f.get("type") == "event" and f["event"]["type"] == "poll.results"
    ]
    assert results and results[-1]["counts"] == [1, 0]


def test_a_persons_newest_sockets_replace_the_oldest(sock, session, enrolled):
    sockets = [sock(enrolled, session.pk) for _ in range(presence.SOCKETS_PER_PERSON + 1)]

    async def scenario():
        for socket in sockets:
            await socket.connect()
        out = await sockets[0].comm.receive_output(timeout=3)
        frames = []
        while out["type"] != "websocket.close":
            frames.append(out)
            out = await sockets[0].comm.receive_output(timeout=3)
        for socket in sockets[1:]:
            await socket.close()
        return frames, out["code"]

    frames, code = run(scenario)
    assert code == consumers.CLOSE_SUPERSEDED
    assert '"superseded"' in frames[-1]["text"]
    assert Connection.objects.filter(user=enrolled).count() == len(sockets)
    assert not Connection.objects.filter(left_at__isnull=True).exists()

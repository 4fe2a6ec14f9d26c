"""The two measured phases, each against the same server: the product's room and the
relay baseline. Both take the same steps (bench.live.load.steps); the room waits for
presence to settle before the chat lines and runs a poll after them."""

import asyncio
import time
from pathlib import Path

from bench.live.host import Host
from bench.live.load.poll import event_figures, poll_figures, run_poll
from bench.live.load.probes import ServerProbe, cpu_seconds
from bench.live.load.steps import Phase
from bench.runner import say


async def room_phase(
    args, seed: dict, ws_base: str, origin: str, probe: ServerProbe, env: dict, log_dir: Path
) -> dict:
    say(f"room: {args.learners} learners in live session {seed['session_id']}")
    phase = Phase("room", f"/ws/live/{seed['session_id']}/", args, probe)
    report = phase.report
    setup = {"vote_within": args.vote_within}
    async with phase.learners(seed, ws_base, origin, env, log_dir, **setup) as (host, workers):
        await phase.join(registering=True)
        registered_ids = set(report["register"].pop("user_ids"))
        report["presence"] = await settle_presence(host, registered_ids)
        report["join_s"] = phase.joined_s()
        report["join_server_cpu_s"] = round(cpu_seconds(probe.pid) - phase.cpu_before, 1)
        phase.memory(report["register"]["ok"])
        probe.mark("room: join")
        print(
            f"presence settled: the room lists {report['presence']['listed_learners']} "
            f"learners; {phase.memory_line()}",
            flush=True,
        )

        sends = await phase.chat(seed["host"], "chat lines")
        poll = await run_poll(host, workers, args, probe)
        merged = await phase.received(poll.final_seq)
        phase.chat_figures(merged, sends, host.acks)
        report["poll"] = poll_figures(poll, merged, host)
        report["events"] = event_figures(merged, poll.final_seq)
        report["host"] = {"errors": host.errors[:5], "closed_by_server": host.closures}
        say("room: learners leave")
    leave = await phase.leave()
    print(
        f"the server settled {leave['seconds']} s after the learners left "
        f"({leave['cpu_s']} s of CPU)",
        flush=True,
    )
    return report


async def settle_presence(host: Host, registered_ids: set[int]) -> dict:
    """Presence: the room learns who arrived in batches; wait until it has been told of
    everyone and nothing more comes for two seconds.
    (A learner whose socket the server closed is never listed: after 15 s the bench
    stops waiting for everyone and waits only for the news to stop.)"""
    settle_started = time.monotonic()
    while time.monotonic() - settle_started < 180:
        everyone = registered_ids <= host.listed()
        if everyone or time.monotonic() - settle_started > 15:
            seen = len(host.events)
            await asyncio.sleep(2)
            if len(host.events) == seen:
                break
        else:
            await asyncio.sleep(0.5)
    listed = host.listed()
    return {
        "listed_learners": len(registered_ids & listed),
        "settled_s": round(time.monotonic() - settle_started, 1),
    }


async def relay_phase(
    args, seed: dict, ws_base: str, origin: str, probe: ServerProbe, env: dict, log_dir: Path
) -> dict:
    say(f"relay baseline: {args.learners} learners on /ws/bench-relay/")
    phase = Phase("relay", "/ws/bench-relay/", args, probe)
    report = phase.report
    async with phase.learners(seed, ws_base, origin, env, log_dir) as (host, _workers):
        await phase.join(registering=False)
        report["join_s"] = phase.joined_s()
        await asyncio.sleep(2)
        probe.mark("relay: join")
        phase.memory(report["connect"]["ok"])
        print(phase.memory_line(), flush=True)

        sends = await phase.chat(seed["host"], "frames")
        merged = await phase.received(args.messages)
        # Everyone who connected is in the group: "registered" for the figures.
        merged["registered"] = merged["learners"]
        phase.chat_figures(merged, sends, None)
        report["host"] = {"closed_by_server": host.closures}
    await phase.leave()
    return report

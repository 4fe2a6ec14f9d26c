"""The room's poll: opened by the host, answered by every learner within
``--vote-within`` seconds, its results batched by the room, closed by the host."""

import time
from dataclasses import dataclass

from bench.live.host import Host
from bench.live.load.figures import summed
from bench.live.load.probes import ServerProbe, cpu_window
from bench.live.load.workers import Workers
from bench.live.quantiles import quantiles
from bench.runner import BenchError, say
from bench.runner.cpu import cpu_snapshot

POLL_QUESTION = "Người Tày chào nhau thế nào khi gặp người lớn tuổi?"
POLL_OPTIONS = ["Slao cạ!", "Pây lăng?", "Kin khẩu dá?"]


@dataclass
class PollRun:
    """When each step of the poll happened, as the host saw it."""

    id: int
    opened_at: float
    opened_acked: float
    results: tuple[float, dict] | None  # the first results event counting every ack
    closed_at: float
    closed: tuple[float, dict]  # the poll.closed event
    cpu: dict

    @property
    def final_seq(self) -> int:
        return self.closed[1]["seq"]


async def run_poll(host: Host, workers: Workers, args, probe: ServerProbe) -> PollRun:
    say(f"room: a poll, {len(POLL_OPTIONS)} options, answered within {args.vote_within} s")
    cpu = cpu_snapshot()
    opened_at = time.time()
    poll_id = (
        await host.act("poll-open", "poll.open", question=POLL_QUESTION, options=POLL_OPTIONS)
    )["poll"]
    opened_acked = time.time()
    voted = await workers.call(
        {"cmd": "wait", "votes": True, "timeout": args.vote_within + args.drain}
    )
    acked_votes = summed(voted, "acked_votes")
    results = await host.wait_event(
        lambda f: (
            f["event"]["type"] == "poll.results"
            and f["event"]["id"] == poll_id
            and sum(f["event"]["counts"]) >= acked_votes
        ),
        30,
    )
    closed_at = time.time()
    await host.act("poll-close", "poll.close", poll=poll_id)
    closed = await host.wait_event(
        lambda f: f["event"]["type"] == "poll.closed" and f["event"]["id"] == poll_id, 30
    )
    if closed is None:
        raise BenchError("the host never heard the poll close")
    await workers.call({"cmd": "wait", "seq": closed[1]["seq"], "timeout": args.drain})
    run = PollRun(poll_id, opened_at, opened_acked, results, closed_at, closed, cpu_window(cpu))
    probe.mark("room: poll")
    return run


def poll_figures(run: PollRun, merged: dict, host: Host) -> dict:
    """The poll's fan-out, votes and results, from the host's events and what the
    learners received (``merged``)."""
    results_count = [
        f["event"]["counts"]
        for _at, f in host.events
        if f["event"]["type"] == "poll.results" and f["event"]["id"] == run.id
    ]
    votes = merged["votes"]
    poll_types = merged["types"]
    closed, results = run.closed, run.results
    return {
        "id": run.id,
        "opened_ack_ms": round(1000 * (run.opened_acked - run.opened_at), 1),
        "opened_fanout_ms": round(1000 * (poll_types["poll.opened"][2] - run.opened_at), 1)
        if "poll.opened" in poll_types
        else None,
        "opened_deliveries": poll_types.get("poll.opened", [0])[0],
        "votes_sent": votes["sent"],
        "votes_acked": votes["acked"],
        "vote_errors": votes["errors"],
        "vote_ack_ms": quantiles(votes["ack_ms"]),
        "votes_first_sent_to_last_acked_s": round(votes["last_acked"] - votes["first_sent"], 2)
        if votes["last_acked"] and votes["first_sent"]
        else None,
        "results_events": len(results_count),
        "results_complete_after_last_vote_ms": round(1000 * (results[0] - votes["last_acked"]), 1)
        if results and votes["last_acked"]
        else None,
        "results_deliveries": poll_types.get("poll.results", [0])[0],
        "closed_fanout_ms": round(1000 * (poll_types["poll.closed"][2] - run.closed_at), 1)
        if "poll.closed" in poll_types
        else None,
        "closed_deliveries": poll_types.get("poll.closed", [0])[0],
        "final_counts": closed[1]["event"]["counts"],
        "counts_match_votes": sum(closed[1]["event"]["counts"]) == votes["acked"],
        "cpu": run.cpu,
    }


def event_figures(merged: dict, final_seq: int) -> dict:
    """Every room event each learner received, up to the poll's close."""
    return {
        "final_seq": final_seq,
        "missing": merged["missing_events"],
        "learners_incomplete": merged["learners_incomplete"],
        "duplicates": merged["duplicates"],
        "out_of_order": merged["out_of_order"],
        "by_type": {k: v[0] for k, v in merged["types"].items()},
    }

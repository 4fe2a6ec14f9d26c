"""What the learners of one process received, checked and summed up after the
measurement (the ``analyze`` command): the frames are parsed here, not as they arrive."""

import json
from collections import Counter

from bench.live.clients.learner import Learner


def analyze(learners: list[Learner], room: bool, final_seq: int) -> dict:
    """Per learner: every event after its starting point up to ``final_seq``, each once
    and in order; per chat line (its index and send time are in its text): how many
    learners got it and when the last one did; every delivery's latency."""
    per_message: dict[int, list] = {}  # index -> [deliveries, first at, last at]
    latencies: list[float] = []
    types: dict[str, list] = {}  # event type -> [deliveries, first at, last at]
    missing_events = duplicates = out_of_order = 0
    learners_incomplete = 0
    closed_early = Counter()
    examples: list[dict] = []
    for learner in learners:
        if learner.ws is None:
            continue
        if learner.closed.is_set():
            closed_early[learner.close_code] += 1
        start = learner.state_seq if room else 0
        if start is None:
            continue
        seqs = [seq for _t, seq, _text in learner.frames]
        seen = set(seqs)
        duplicates += len(seqs) - len(seen)
        out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
        wanted = set(range(start + 1, final_seq + 1))
        lacking = wanted - seen
        missing_events += len(lacking)
        if lacking:
            learners_incomplete += 1
            if len(examples) < 5:
                examples.append(
                    {
                        "user": learner.user_id,
                        "from": start,
                        "missing": sorted(lacking)[:10],
                        "close_code": learner.close_code,
                    }
                )
        chat_seen: set[int] = set()
        for at, seq, text in learner.frames:
            if seq in chat_seen:
                continue
            event = json.loads(text)["event"]
            kind = event.get("type")
            if kind == "chat.posted" and str(event.get("text", "")).startswith("#"):
                chat_seen.add(seq)
                index_text, sent_text = event["text"][1:].split(" ", 2)[:2]
                index, sent = int(index_text), float(sent_text)
                _delivered(per_message, index, at)
                latencies.append(round(1000 * (at - sent), 2))
            else:
                _delivered(types, kind, at)
    votes = [x.vote for x in learners if x.vote is not None]
    vote_ms = sorted(round(1000 * (v["acked"] - v["sent"]), 2) for v in votes if "acked" in v)
    return {
        "learners": len([x for x in learners if x.ws is not None]),
        "registered": len([x for x in learners if x.state_seq is not None]),
        "per_message": {str(k): v for k, v in per_message.items()},
        "latencies_ms": latencies,
        "types": types,
        "missing_events": missing_events,
        "learners_incomplete": learners_incomplete,
        "missing_examples": examples,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "closed_by_server": dict(closed_early),
        "errors": dict(sum((x.errors for x in learners), Counter())),
        "votes": {
            "sent": len(votes),
            "acked": len(vote_ms),
            "errors": dict(Counter(v["error"] for v in votes if "error" in v)),
            "ack_ms": vote_ms,
            "first_sent": min((v["sent"] for v in votes), default=None),
            "last_acked": max((v["acked"] for v in votes if "acked" in v), default=None),
        },
    }


def _delivered(rows: dict, key, at: float) -> None:
    """One more delivery of ``key`` at ``at``: [deliveries, first at, last at]."""
    row = rows.setdefault(key, [0, at, at])
    row[0] += 1
    row[1] = min(row[1], at)
    row[2] = max(row[2], at)

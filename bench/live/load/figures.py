"""The figures of a phase, from what the client processes received: their answers
merged, and per chat line the fan-out, the deliveries and the loss."""

from collections.abc import Iterable

from bench.live.quantiles import quantiles


def summed(answers: list[dict], key: str) -> int:
    return sum(a[key] for a in answers)


def counts_summed(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Counts by key (close codes, error codes) added up, keys in the order first seen."""
    total: dict[str, int] = {}
    for each in counts:
        for key, n in each.items():
            total[key] = total.get(key, 0) + n
    return total


def merge_analyses(answers: list[dict]) -> dict:
    """The client processes' ``analyze`` answers as one."""
    per_message: dict[int, list] = {}
    types: dict[str, list] = {}
    latencies: list[float] = []
    for answer in answers:
        _merge_rows(per_message, {int(k): row for k, row in answer["per_message"].items()})
        _merge_rows(types, answer["types"])
        latencies.extend(answer["latencies_ms"])
    votes = [a["votes"] for a in answers]
    return {
        "per_message": per_message,
        "types": types,
        "latencies_ms": latencies,
        "learners": summed(answers, "learners"),
        "registered": summed(answers, "registered"),
        "missing_events": summed(answers, "missing_events"),
        "learners_incomplete": summed(answers, "learners_incomplete"),
        "duplicates": summed(answers, "duplicates"),
        "out_of_order": summed(answers, "out_of_order"),
        "missing_examples": [e for a in answers for e in a["missing_examples"]][:5],
        "closed_by_server": counts_summed(a["closed_by_server"] for a in answers),
        "errors": counts_summed(a["errors"] for a in answers),
        "votes": {
            "sent": sum(v["sent"] for v in votes),
            "acked": sum(v["acked"] for v in votes),
            "errors": counts_summed(v["errors"] for v in votes),
            "ack_ms": [x for v in votes for x in v["ack_ms"]],
            "first_sent": min((v["first_sent"] for v in votes if v["first_sent"]), default=None),
            "last_acked": max((v["last_acked"] for v in votes if v["last_acked"]), default=None),
        },
    }


def _merge_rows(into: dict, rows: dict) -> None:
    """Adds rows of [deliveries, first at, last at] to ``into``, key by key."""
    for key, (n, first, last) in rows.items():
        row = into.setdefault(key, [0, first, last])
        row[0] += n
        row[1] = min(row[1], first)
        row[2] = max(row[2], last)


def chat_figures(
    merged: dict, sends: dict[int, float], learners: int, rate: float, acks: dict | None
) -> dict:
    """Fan-out per chat line (send to the last learner's delivery), deliveries and loss,
    and the rate delivered from the first send to the last delivery."""
    fanout = []
    incomplete_lines = 0
    registered = merged["registered"]
    for index, sent in sends.items():
        row = merged["per_message"].get(index)
        if row is None:
            incomplete_lines += 1
            continue
        if row[0] < registered:
            incomplete_lines += 1
        fanout.append(1000 * (row[2] - sent))
    deliveries = sum(row[0] for i, row in merged["per_message"].items() if i in sends)
    # Lines nobody got: never posted (the room did not take them), or, on the relay, a
    # group message the channel layer dropped (over its capacity of 100 per process).
    nobody = sorted(i for i in sends if i not in merged["per_message"])
    expected = learners * len(sends)
    first_send = min(sends.values())
    last_delivery = max((row[2] for row in merged["per_message"].values()), default=first_send)
    span = max(last_delivery - first_send, 1e-9)
    figures = {
        "lines": len(sends),
        "rate_per_s": rate,
        "offered_deliveries_per_s": round(registered * rate),
        "expected_deliveries": expected,
        "deliveries": deliveries,
        "lost": expected - deliveries,
        "lost_to_unconnected": (learners - registered) * len(sends),
        "lines_not_everywhere": incomplete_lines,
        "lines_to_nobody": len(nobody),
        "lines_to_nobody_first": nobody[:20],
        "duplicates": merged["duplicates"],
        "out_of_order": merged["out_of_order"],
        "missing_events": merged["missing_events"],
        "missing_examples": merged["missing_examples"],
        "send_to_last_delivery_s": round(span, 3),
        "deliveries_per_s": round(deliveries / span),
        "fanout_ms": quantiles(fanout),
        "delivery_ms": quantiles(merged["latencies_ms"]),
        "closed_by_server": merged["closed_by_server"],
        "client_errors": merged["errors"],
    }
    if acks is not None:
        ack_ms = [
            1000 * (acks[f"chat-{i}"][0] - sent) for i, sent in sends.items() if f"chat-{i}" in acks
        ]
        figures["host_ack_ms"] = quantiles(ack_ms)
        figures["host_acks"] = len(ack_ms)
    return figures

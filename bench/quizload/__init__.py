"""The exam-start spike's load: many learners at once, each on its own connection.

Run by bench/run as ``python -m bench.quizload MODE --base URL --sessions FILE --out FILE``
(no Django here). It speaks HTTP/1.1 over asyncio streams: the environment has no
asynchronous HTTP client, and a thread per learner would take more of the CPU the server
shares with it. Each learner has one keep-alive connection, opened before the load is
released and reopened whenever the server closes it, as a browser's would be; the
session and CSRF cookies come from the seeded sessions (one "sessionid csrftoken" line
per learner) and follow whatever the server sets.

``bare``: each learner GETs the bench's bare view ``--rounds`` times in a row, all
released together once every connection is open. The reference for the spike, at the
spike's concurrency and with the same client.

``spike``: each learner

1. POSTs the quiz's start (all released together once every connection is open; the
   CSRF token in the X-CSRFToken header, as no page was loaded yet), and follows the
   redirect to its attempt page, from which it reads everything it sends next: each
   question's form (action, CSRF token, the kind of question its fields make and the
   option values shown) and the submit form's token;
2. once every learner has its page: saves one valid answer per question, in the page's
   order, as htmx does (the form's fields and ``HX-Request: true``), each one
   acknowledged ("save-saved") or counted as an error; back to back, so that the rate
   is the most the server can take, unless ``--think S`` spaces them (0.5 S to 1.5 S);
3. once every learner has saved all of them: POSTs the submit form, which must redirect
   to the attempt's result.

The waits between the phases keep each phase's figures its own: the autosave rate is
not diluted by page loads, and the submission is a spike of its own, like the end of a
timed exam.

Writes one JSON file: per request type the latency percentiles, the rate, the errors by
kind (the first few described), and for the spike what each learner answered, which the
runner checks against the database.
"""

import argparse
import asyncio
import json
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from .client import Learner, RequestFailed, Stats, expect, percentiles
from .page import AttemptPage, answer_fields, parse_attempt_page

ATTEMPT_PATH = re.compile(r"^/attempt/[0-9a-f-]{36}/$")

RESULT_PATH = re.compile(r"^/attempt/[0-9a-f-]{36}/result/$")


class Run:
    """What the learners share: the barriers between phases and the figures."""

    def __init__(self, learners: int, names: list[str], phases: int):
        self.stats = {name: Stats() for name in names}
        self.barriers = [asyncio.Barrier(learners) for _ in range(phases)]
        self.released: list[float] = [0.0] * phases

    async def guard(self, learner):
        """A learner's run; if it breaks (a bug, not a failed request, which is counted),
        the barriers are broken too, so that the others stop instead of waiting forever."""
        try:
            return await learner
        except Exception:
            for barrier in self.barriers:
                await barrier.abort()
            raise

    async def phase(self, number: int) -> None:
        """Wait for every learner; the phase starts when the last one arrives."""
        await self.barriers[number].wait()
        if not self.released[number]:
            self.released[number] = time.perf_counter()


async def bare_learner(run: Run, learner: Learner, rounds: int) -> None:
    stats = run.stats["bare"]
    opened = await _open(learner, stats)
    await run.phase(0)
    for round_ in range(rounds if opened else 0):
        try:
            reply = await learner.send(stats, "GET", "/bench/bare/")
            expect(reply, 200, "bare view")
            if b"Baseline for" not in reply.body:
                raise RequestFailed("body", "bare view without its text")
            stats.ok += 1
            if round_ == 0:
                run.stats["bare_first"].latencies.append(stats.latencies[-1])
        except RequestFailed as error:
            stats.fail(error, learner.index)
    learner.connection.close()


async def _open(learner: Learner, stats: Stats) -> bool:
    try:
        await learner.connection.open()
        return True
    except RequestFailed as error:
        stats.fail(error, learner.index)
        return False


async def spike_learner(run: Run, learner: Learner, start_url: str, think: float) -> dict:
    record: dict = {"learner": learner.index, "attempt": None, "answers": [], "submitted": False}
    opened = await _open(learner, run.stats["start"])
    await run.phase(0)
    page = await _start(run, learner, start_url, record) if opened else None
    await run.phase(1)
    if page is not None:
        await _autosave(run, learner, page, record, think)
    await run.phase(2)
    if page is not None:
        await _submit(run, learner, page, record)
    learner.connection.close()
    return record


async def _start(run: Run, learner: Learner, start_url: str, record: dict) -> AttemptPage | None:
    try:
        reply = await learner.send(
            run.stats["start"], "POST", start_url, {"X-CSRFToken": learner.cookies["csrftoken"]}, []
        )
        expect(reply, 302, "start")
        location = urlsplit(reply.headers.get("location", "")).path
        if not ATTEMPT_PATH.match(location):
            raise RequestFailed("status", f"start: redirected to {location!r}, not an attempt")
        run.stats["start"].ok += 1
    except RequestFailed as error:
        run.stats["start"].fail(error, learner.index)
        return None
    record["attempt"] = location.split("/")[2]
    try:
        reply = await learner.send(run.stats["page"], "GET", location)
        expect(reply, 200, "attempt page")
        try:
            page = parse_attempt_page(reply.body.decode("utf-8"))
        except ValueError as error:
            raise RequestFailed("body", f"attempt page: {error}") from None
        run.stats["page"].ok += 1
        return page
    except RequestFailed as error:
        run.stats["page"].fail(error, learner.index)
        return None


async def _autosave(
    run: Run, learner: Learner, page: AttemptPage, record: dict, think: float
) -> None:
    stats = run.stats["autosave"]
    for question in page.questions:
        if think:
            # A person's pace (--think): the rate is then the load offered, not the most
            # the server can take, and the latency that of a server that is not saturated.
            await asyncio.sleep(learner.rng.uniform(0.5, 1.5) * think)
        fields = answer_fields(question, learner.rng)
        form = [("csrfmiddlewaretoken", question.csrf)]
        form += [(name, value) for name, values in fields.items() for value in values]
        answer = {"q": question.id, "kind": question.kind, "fields": fields, "acknowledged": False}
        record["answers"].append(answer)
        try:
            reply = await learner.send(stats, "POST", question.action, {"HX-Request": "true"}, form)
            expect(reply, 200, f"autosave of question {question.id}")
            if b"save-saved" not in reply.body:
                raise RequestFailed("body", f"autosave: not acknowledged: {reply.body[:200]!r}")
            stats.ok += 1
            answer["acknowledged"] = True
        except RequestFailed as error:
            stats.fail(error, learner.index)


async def _submit(run: Run, learner: Learner, page: AttemptPage, record: dict) -> None:
    stats = run.stats["submit"]
    try:
        reply = await learner.send(stats, "POST", page.submit_action, None, page.submit_fields)
        expect(reply, 302, "submit")
        location = urlsplit(reply.headers.get("location", "")).path
        if not RESULT_PATH.match(location):
            raise RequestFailed("status", f"submit: redirected to {location!r}, not the result")
        stats.ok += 1
        record["submitted"] = True
    except RequestFailed as error:
        stats.fail(error, learner.index)


def read_sessions(path: Path, count: int) -> list[tuple[str, str]]:
    pairs = [tuple(line.split()) for line in path.read_text("ascii").splitlines() if line]
    if len(pairs) < count:
        raise SystemExit(f"{path} has {len(pairs)} sessions, {count} wanted")
    return [(sid, csrf) for sid, csrf in pairs[:count]]


async def run_bare(args, sessions: list[tuple[str, str]]) -> dict:
    run = Run(len(sessions), ["bare", "bare_first"], 1)
    learners = [Learner(i, sid, csrf, args.base) for i, (sid, csrf) in enumerate(sessions)]
    await asyncio.gather(*(run.guard(bare_learner(run, who, args.rounds)) for who in learners))
    bare = run.stats["bare"].summary()
    # The first round alone is a burst of one request per learner, like the start.
    bare["first_round_latency_ms"] = percentiles(run.stats["bare_first"].latencies)
    return {"mode": "bare", "learners": len(sessions), "rounds": args.rounds, "bare": bare}


async def run_spike(args, sessions: list[tuple[str, str]]) -> dict:
    names = ["start", "page", "autosave", "submit"]
    run = Run(len(sessions), names, 3)
    learners = [Learner(i, sid, csrf, args.base) for i, (sid, csrf) in enumerate(sessions)]
    records = await asyncio.gather(
        *(run.guard(spike_learner(run, who, args.start_url, args.think)) for who in learners)
    )
    out: dict = {"mode": "spike", "learners": len(sessions), "think_s": args.think}
    out.update({name: run.stats[name].summary() for name in names})
    # The phases from the release of their barrier to the last response before the next.
    ends = [
        max(run.stats["start"].last_done, run.stats["page"].last_done),
        run.stats["autosave"].last_done,
        run.stats["submit"].last_done,
    ]
    out["phases_s"] = {
        name: round(max(0.0, end - released), 3)
        for name, end, released in zip(
            ("start", "autosave", "submit"), ends, run.released, strict=True
        )
    }
    out["records"] = records
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quizload")
    parser.add_argument("mode", choices=["bare", "spike"])
    parser.add_argument("--base", required=True, help="http://host:port")
    parser.add_argument("--sessions", required=True, type=Path)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20, help="bare: requests per learner")
    parser.add_argument("--start-url", help="spike: the quiz's start URL path")
    parser.add_argument(
        "--think", type=float, default=0, help="spike: mean seconds before each answer"
    )
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    sessions = read_sessions(args.sessions, args.learners)
    started = time.perf_counter()
    if args.mode == "bare":
        result = asyncio.run(run_bare(args, sessions))
    else:
        result = asyncio.run(run_spike(args, sessions))
    result["seconds"] = round(time.perf_counter() - started, 2)
    args.out.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return 0

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
import gzip
import html
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# nginx gives up on gunicorn after 60 s (proxy_read_timeout); so does a learner here.
TIMEOUT = 60.0
ERROR_SAMPLES = 12
SHORT_ANSWERS = ["Pây lăng", "Kin khẩu dá", "Đây lai", "chắc dá"]
NUMBERS = ["65", "90", "20", "3,5", "12.25"]
ATTEMPT_PATH = re.compile(r"^/attempt/[0-9a-f-]{36}/$")
RESULT_PATH = re.compile(r"^/attempt/[0-9a-f-]{36}/result/$")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')


class RequestFailed(Exception):
    """No usable response: ``kind`` is connect, read, timeout, status or body."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    set_cookies: list[str]
    body: bytes


class Connection:
    """One learner's HTTP/1.1 connection, reopened when the server has closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        try:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            raise RequestFailed("connect", f"connect: {error}") from None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Reply:
        # A keep-alive connection the server closed while this learner waited for the
        # others (nginx's keepalive_timeout, or gunicorn without nginx) is reopened.
        if self.reader is None or self.reader.at_eof():
            self.close()
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            await self.writer.drain()
            reply = await self._read_reply()
        except Exception as error:  # reset, closed, or not HTTP: the same to a learner
            self.close()
            raise RequestFailed(
                "read", f"{method} {path}: {type(error).__name__} {error}"
            ) from None
        if reply.headers.get("connection", "").lower() == "close":
            self.close()
        return reply

    async def _read_reply(self) -> Reply:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ValueError("connection closed before a response")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        set_cookies: list[str] = []
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                set_cookies.append(value)
            headers[name] = value
        body = await self._read_body(status, headers)
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return Reply(status, headers, set_cookies, body)

    async def _read_body(self, status: int, headers: dict[str, str]) -> bytes:
        assert self.reader is not None
        if status in (204, 304) or 100 <= status < 200:
            return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        body = await self.reader.read()  # delimited by the end of the connection
        self.close()
        return body


class Learner:
    """A learner's connection and cookies; every request timed into ``stats``."""

    def __init__(self, index: int, sessionid: str, csrftoken: str, base: str):
        parts = urlsplit(base)
        self.index = index
        self.connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        self.cookies = {"sessionid": sessionid, "csrftoken": csrftoken}
        self.rng = random.Random(index)

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def send(
        self,
        stats: "Stats",
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        form: list[tuple[str, str]] | None = None,
    ) -> Reply:
        """One request; its latency (to the last byte of the response) goes to stats."""
        sent = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "vi",
            "Accept-Encoding": "gzip",
            **(headers or {}),
        }
        body = b""
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form).encode()
        started = time.perf_counter()
        stats.started(started)
        try:
            reply = await asyncio.wait_for(
                self.connection.request(method, path, sent, body), TIMEOUT
            )
        except TimeoutError:
            self.connection.close()
            raise RequestFailed(
                "timeout", f"{method} {path}: no response in {TIMEOUT:.0f} s"
            ) from None
        finally:
            stats.last_done = max(stats.last_done, time.perf_counter())
        stats.latencies.append(1000 * (time.perf_counter() - started))
        self._remember(reply.set_cookies)
        return reply


@dataclass
class Stats:
    """One request type's figures."""

    latencies: list[float] = field(default_factory=list)  # ms, every response received
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    first_sent: float = math.inf
    last_done: float = 0.0

    def started(self, at: float) -> None:
        self.first_sent = min(self.first_sent, at)

    def fail(self, error: RequestFailed, who: int) -> None:
        self.errors[error.kind] = self.errors.get(error.kind, 0) + 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(f"learner {who}: {error.kind}: {error}")

    def summary(self) -> dict:
        window = self.last_done - self.first_sent if self.latencies else 0.0
        return {
            "requests": len(self.latencies),
            "ok": self.ok,
            "errors": dict(self.errors),
            "error_count": sum(self.errors.values()),
            "error_samples": self.samples,
            "window_s": round(window, 3),
            "ok_rps": round(self.ok / window, 1) if window > 0 else None,
            "latency_ms": percentiles(self.latencies),
        }


def percentiles(values: list[float]) -> dict:
    """Nearest-rank percentiles, in ms to a tenth."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    out = {"mean": sum(ordered) / len(ordered), "max": ordered[-1]}
    out.update({f"p{p}": rank(p) for p in (50, 75, 90, 95, 99)})
    return {k: round(v, 1) for k, v in out.items()}


def expect(reply: Reply, status: int, what: str) -> None:
    if reply.status != status:
        where = reply.headers.get("location", "")
        detail = f"{what}: HTTP {reply.status}{f' -> {where}' if where else ''}"
        raise RequestFailed("status", f"{detail} {reply.body[:200]!r}")


# --- the attempt page ---------------------------------------------------------------


@dataclass
class Question:
    id: int
    kind: str  # single, multiple, truefalse, short or numeric
    action: str
    csrf: str
    choices: list[str]  # the option values shown (choice questions)


@dataclass
class AttemptPage:
    questions: list[Question]
    submit_action: str
    submit_fields: list[tuple[str, str]]


def _attributes(text: str) -> dict[str, str]:
    return {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(text)}


def _kind(fields: list[tuple[str, dict[str, str]]]) -> str:
    """The kind of question a form's fields make, as _question.html renders them."""
    answer_fields = [(tag, a) for tag, a in fields if a.get("name") != "csrfmiddlewaretoken"]
    names = {a.get("name") for _, a in answer_fields}
    types = {a.get("type", "text") for tag, a in answer_fields if tag == "input"}
    if any(tag != "input" for tag, _ in answer_fields):
        return "unsupported"
    if names == {"option"}:
        return {"radio": "single", "checkbox": "multiple"}.get(types.pop(), "unsupported")
    if names == {"value"} and types == {"radio"}:
        return "truefalse"
    if names == {"text"}:
        return "short"
    if names == {"value"} and answer_fields[0][1].get("inputmode") == "decimal":
        return "numeric"
    return "unsupported"


def parse_attempt_page(text: str) -> AttemptPage:
    """The question forms and the submit form of an attempt page, as a browser sees them."""
    questions: list[Question] = []
    submit: tuple[str, list[tuple[str, str]]] | None = None
    for form_attrs, inner in FORM.findall(text):
        form = _attributes(form_attrs)
        classes = form.get("class", "").split()
        fields = [(tag.lower(), _attributes(a)) for tag, a in FIELD.findall(inner)]
        values = {a.get("name", ""): a.get("value", "") for _, a in fields}
        if "question" in classes:
            match = re.search(r"/answer/(\d+)/$", form.get("action", ""))
            if not match or not values.get("csrfmiddlewaretoken"):
                raise ValueError(f"question form without an answer URL or CSRF token: {form}")
            kind = _kind(fields)
            if kind == "unsupported":
                raise ValueError(f"question {match.group(1)}: fields the bench cannot answer")
            choices = [a["value"] for _, a in fields if a.get("name") == "option"]
            questions.append(
                Question(
                    int(match.group(1)),
                    kind,
                    form["action"],
                    values["csrfmiddlewaretoken"],
                    choices,
                )
            )
        elif "submit-attempt" in classes:
            hidden = [(a["name"], a.get("value", "")) for _, a in fields if a.get("name")]
            submit = (form.get("action", ""), hidden)
    if not questions or submit is None or not submit[0]:
        raise ValueError(
            f"{len(questions)} question forms, submit form {'found' if submit else 'missing'}"
        )
    return AttemptPage(questions, *submit)


def answer_fields(question: Question, rng: random.Random) -> dict[str, list[str]]:
    """A valid answer: one of the options shown, some of them, true or false, a few words
    with tone marks, or a number written as people write them."""
    if question.kind == "single":
        return {"option": [rng.choice(question.choices)]}
    if question.kind == "multiple":
        return {"option": rng.sample(question.choices, rng.randint(1, len(question.choices)))}
    if question.kind == "truefalse":
        return {"value": [rng.choice(["true", "false"])]}
    if question.kind == "short":
        return {"text": [rng.choice(SHORT_ANSWERS)]}
    return {"value": [rng.choice(NUMBERS)]}


# --- the two modes ----------------------------------------------------------------------


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


# --- main ------------------------------------------------------------------------------


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
    parser = argparse.ArgumentParser()
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


if __name__ == "__main__":
    sys.exit(main())

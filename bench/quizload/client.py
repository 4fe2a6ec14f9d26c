"""A small HTTP/1.1 client on asyncio streams (one keep-alive connection per learner)
and the figures it keeps."""

import asyncio
import gzip
import math
import random
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

# nginx gives up on gunicorn after 60 s (proxy_read_timeout); so does a learner here.
TIMEOUT = 60.0

ERROR_SAMPLES = 12


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

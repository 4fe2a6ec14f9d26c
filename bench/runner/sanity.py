"""Checks that the figures measure what they claim: a redirect to the login page or a
CSRF refusal answers fast, and would make every figure meaningless."""

import json
import re

from bench.runner import BenchError
from bench.traffic import http_request, progress_events_body


def sanity(base: str, seed: dict) -> dict:
    """One request of each measured kind must be what the numbers claim it is."""
    who = seed["sessions"][1 % len(seed["sessions"])]
    cookie = f"sessionid={who['sessionid']}; csrftoken={who['csrftoken']}"
    lesson = base + seed["lesson"]["url"]
    events = base + "/api/progress/events"
    checks = {}

    status, headers, body = http_request(lesson, headers={"Cookie": cookie})
    text = body.decode("utf-8", "replace")
    if status != 200 or not re.search(r"<h1[\s>]", text) or "data-activity" not in text:
        raise BenchError(
            f"lesson page: HTTP {status} (Location: {headers.get('Location')}); "
            "expected 200 with the lesson for an enrolled learner"
        )
    checks["lesson"] = {"status": status, "bytes": len(body)}

    status, headers, _ = http_request(lesson)
    if status != 302:
        raise BenchError(f"lesson page without a session: HTTP {status}, expected 302 to login")
    checks["lesson_anonymous"] = {"status": status, "location": headers.get("Location")}

    status, headers, body = http_request(base + "/bench/bare/", headers={"Cookie": cookie})
    if status != 200 or b"Baseline for" not in body:
        raise BenchError(f"bare view: HTTP {status} (Location: {headers.get('Location')})")
    checks["bare"] = {"status": status, "bytes": len(body)}

    status, _, body = http_request(
        events,
        "POST",
        {"Cookie": cookie, "X-CSRFToken": who["csrftoken"], "Content-Type": "application/json"},
        progress_events_body(seed["activities"]).encode(),
    )
    stored = None
    if status == 200:
        stored = json.loads(body).get("stored")
    if status != 200 or stored != 10:
        raise BenchError(
            f"progress events: HTTP {status}, body {body[:300]!r}; expected 200 with 10 stored"
        )
    checks["events"] = {"status": status, "stored": stored}

    status, _, body = http_request(
        events,
        "POST",
        {"Cookie": cookie, "Content-Type": "application/json"},
        progress_events_body(seed["activities"]).encode(),
    )
    if status != 403:
        raise BenchError(f"progress events without a CSRF token: HTTP {status}, expected 403")
    checks["events_without_csrf"] = {"status": status}
    return checks


def still_logged_in(base: str, seed: dict, what: str) -> None:
    """After a run: the learners' sessions must still be valid, or the run measured
    redirects to the login page (e.g. someone flushed the session store)."""
    who = seed["sessions"][0]
    status, headers, _ = http_request(
        base + seed["lesson"]["url"], headers={"Cookie": f"sessionid={who['sessionid']}"}
    )
    if status != 200:
        raise BenchError(
            f"after the {what} run the lesson page answers {status} "
            f"(Location: {headers.get('Location')}): the sessions are gone, "
            "the figures are not the lesson page's"
        )

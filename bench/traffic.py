"""What the bench sends, defined once for the runner, the profile and the page weight.

* ``http_request``: one plain HTTP request, no redirect followed and no compression
  asked for, so that a check sees exactly what the server answered;
* ``progress_events_body``: a batch of progress events shaped like the ones
  bench/lua/events.lua posts under load, so that the sanity check and the in-process
  profile exercise the request wrk measures.
"""

import http.client
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit


def http_request(
    url: str, method: str = "GET", headers: dict | None = None, body=None, timeout: float = 30
) -> tuple[int, dict, bytes]:
    """Returns the status, the response headers and the body."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection_class(parts.netloc, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def progress_events_body(activities: list[str], first: int = 0, count: int = 10) -> str:
    """One "viewed" then "progressed" events, each a fresh id, over the activities in
    turn from index ``first`` (callers advance it to spread a series of batches)."""
    now = datetime.now(UTC).isoformat()
    return json.dumps(
        {
            "events": [
                {
                    "id": str(uuid.uuid4()),
                    "activity": activities[(first + i) % len(activities)],
                    "verb": "viewed" if i == 0 else "progressed",
                    "occurred_at": now,
                    "payload": {"seconds": 5, "position": {"scroll": 0.5}},
                }
                for i in range(count)
            ]
        }
    )

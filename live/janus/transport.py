"""Requests to Janus's HTTP API and Admin API, and the settings that locate them.

Plain urllib, synchronous: the Django server only sends a handful of short requests
to a Janus on the same machine (create a room, add a token), so a dependency and an
event loop would buy nothing. Settings are read at each call, not at import, so that
tests (and a settings change without restart of the worker) take effect.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_URL = "http://127.0.0.1:8088/janus"
DEFAULT_ADMIN_URL = "http://127.0.0.1:7088/admin"
DEFAULT_TIMEOUT = 2.0
# The WebSocket port browsers use when LIVE_JANUS_PUBLIC_URL is left empty.
DEFAULT_WS_PORT = 8188
# Sent to Janus as-is: a reply is matched to its request by this alone.
_TRANSACTION_BYTES = 9
# Janus is reached directly, never through an http_proxy from the environment: the
# admin secret must not travel to a proxy, and a proxy cannot reach 127.0.0.1 anyway.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class JanusUnavailable(Exception):
    """Janus did not answer, or answered with an error.

    The message is for the logs; ``user_message`` is what a learner or trainer may be
    shown, since the class goes on without audio and video when Janus is away.
    """

    user_message = "Máy chủ âm thanh và hình ảnh đang không hoạt động; lớp học vẫn tiếp tục."

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class JanusConfig:
    url: str
    admin_url: str
    admin_secret: str
    room_admin_key: str
    timeout: float


def _secret(setting: str, file_name: str) -> str:
    """A setting's value or, when empty, the file bin/janus made at its first start.

    Reading the file lets an installation run without handing secrets around: both
    processes find the same value under the var folder.
    """
    value = getattr(settings, setting, "") or ""
    if value:
        return str(value)
    runtime = getattr(settings, "LIVE_JANUS_RUNTIME_DIR", None)
    if runtime is None:
        var_dir = getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")
        runtime = Path(var_dir) / "janus"
    try:
        return (Path(runtime) / file_name).read_text().strip()
    except OSError:
        return ""


def config() -> JanusConfig:
    return JanusConfig(
        url=str(getattr(settings, "LIVE_JANUS_URL", DEFAULT_URL)).rstrip("/"),
        admin_url=str(getattr(settings, "LIVE_JANUS_ADMIN_URL", DEFAULT_ADMIN_URL)).rstrip("/"),
        admin_secret=_secret("LIVE_JANUS_ADMIN_SECRET", "admin-secret"),
        room_admin_key=_secret("LIVE_JANUS_ROOM_ADMIN_KEY", "room-admin-key"),
        timeout=float(getattr(settings, "LIVE_JANUS_TIMEOUT", DEFAULT_TIMEOUT)),
    )


def transaction_id() -> str:
    return secrets.token_hex(_TRANSACTION_BYTES)


def request_json(url: str, payload: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
    """POST ``payload`` (GET when None) and return the decoded reply.

    Any failure on the way (refused, timed out, not JSON, HTTP error) becomes
    JanusUnavailable, so callers handle one exception type.
    """
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if data is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise JanusUnavailable(f"Janus at {url} answered HTTP {error.code}") from error
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise JanusUnavailable(f"Janus at {url} does not answer: {reason}") from error
    try:
        reply = json.loads(body)
    except ValueError as error:
        raise JanusUnavailable(f"Janus at {url} answered something that is not JSON") from error
    if not isinstance(reply, dict):
        raise JanusUnavailable(f"Janus at {url} answered an unexpected {type(reply).__name__}")
    return reply


def check_core_reply(reply: dict[str, Any], what: str) -> dict[str, Any]:
    """The reply itself, unless the Janus core refused the request."""
    if reply.get("janus") == "error":
        error = reply.get("error") or {}
        raise JanusUnavailable(
            f"Janus refused {what}: {error.get('reason', 'no reason given')}",
            code=error.get("code"),
        )
    return reply


def admin(
    janus: str, *, path: str = "", timeout: float | None = None, **fields: Any
) -> dict[str, Any]:
    """One Admin API request (``janus`` is its name), authenticated with the secret;
    ``path`` ("/<session>" or "/<session>/<handle>") addresses a session or handle."""
    cfg = config()
    if not cfg.admin_secret:
        raise JanusUnavailable(
            "No Janus admin secret: set LIVE_JANUS_ADMIN_SECRET or start Janus with bin/janus"
        )
    payload = {
        "janus": janus,
        "transaction": transaction_id(),
        "admin_secret": cfg.admin_secret,
        **fields,
    }
    reply = request_json(cfg.admin_url + path, payload, cfg.timeout if timeout is None else timeout)
    return check_core_reply(reply, janus)


def plugin_admin(plugin: str, body: dict[str, Any]) -> dict[str, Any]:
    """A synchronous plugin request (create, destroy, listparticipants...) sent through
    the Admin API's message_plugin, so the server needs no Janus session or token of
    its own. Returns the plugin's response; a plugin error stays in it (error_code)
    for the caller to judge, since some errors mean "already done"."""
    reply = admin("message_plugin", plugin=plugin, request=body)
    response = reply.get("response")
    if not isinstance(response, dict):
        raise JanusUnavailable(f"Janus plugin {plugin} gave no response to {body.get('request')}")
    return response


def check_plugin_response(
    response: dict[str, Any], what: str, accept: frozenset[int] = frozenset()
) -> dict[str, Any]:
    """The response, unless it carries an error code not listed in ``accept``."""
    code = response.get("error_code")
    if code is not None and code not in accept:
        raise JanusUnavailable(f"Janus refused {what}: {response.get('error')}", code=code)
    return response

"""The embedded default's web server (bin/run): uvicorn serving config.asgi, HTTP and
WebSockets alike, in one process, without a file watcher.

    python -m config.serve            # LMS_ADDR, default 127.0.0.1:8000

Browsers connect to it directly, so it believes no forwarding header: the client's
address is the connection's (uvicorn would otherwise trust X-Forwarded-For from
127.0.0.1, i.e. from anyone on this machine).
"""

import os

import uvicorn

DEFAULT_ADDR = "127.0.0.1:8000"


WS_MAX_BYTES = 64 * 1024


def parse_addr(addr: str) -> tuple[str, int]:
    """ "HOST:PORT", "[IPv6]:PORT" or a bare "PORT" (on 127.0.0.1)."""
    host, _, port = addr.rpartition(":")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.embedded")
    host, port = parse_addr(os.environ.get("LMS_ADDR") or DEFAULT_ADDR)
    uvicorn.run(
        "config.asgi:application",
        host=host,
        port=port,
        workers=1,
        reload=False,
        # Django's ASGI handler has no lifespan support; "auto" would log that it has not.
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_level=os.environ.get("LMS_SERVER_LOG_LEVEL", "warning"),
        timeout_graceful_shutdown=10,
        # No socket sends more than a few KiB; a bigger frame is closed (1009) before
        # it is read into memory (uvicorn's default is 16 MiB).
        ws_max_size=WS_MAX_BYTES,
    )


if __name__ == "__main__":
    main()

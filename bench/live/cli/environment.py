"""The run's environment: the server's settings and variables, and the open-files limit
its sockets need."""

import os
import resource
import secrets

from bench.live import WORK_LIVE
from bench.runner import BenchError

HOST = "127.0.0.1"


def raise_open_files(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise BenchError(
            f"open files limit {soft} is below the {needed} the sockets need (ulimit -n)"
        )
    return soft


# What the server runs with: the product's production settings, its channel layer included.
SETTINGS = "config.settings.production"


def live_environment(db_url: str) -> dict:
    """Production's settings and environment with plain HTTP on loopback, as the HTTP
    bench uses them, without its URLconf: the sockets need nothing of it."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
            "DATABASE_URL": db_url,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "STATIC_ROOT": str(WORK_LIVE / "static"),
            "LMS_VAR_DIR": str(WORK_LIVE / "var"),
            "MEDIA_ROOT": str(WORK_LIVE / "var" / "media"),
            "PRIVATE_ROOT": str(WORK_LIVE / "var" / "private"),
            # The clients reach uvicorn directly, as in the embedded default.
            "AXES_BEHIND_PROXY": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DEBUG", None)
    return env

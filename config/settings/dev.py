"""Embedded default: SQLite, in-memory channel layer, SQLite-backed Celery broker."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ["*"]

"""The test suite: real PostgreSQL and Redis unless told otherwise."""

import os
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# The broker gets a Redis database of its own: tests clear the cache between them.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")

from .base import *  # noqa: E402, F403
from .base import BASE_DIR  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# A worker process the tests start is told the test's own folders.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "test-media"))
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", BASE_DIR / "var" / "test-private"))

"""A real deployment: PostgreSQL, Redis, several web processes and Celery workers."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, SECRET_KEY, env_bool

DEBUG = False
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL.")
if not REDIS_URL:
    raise ImproperlyConfigured("Production needs Redis: set REDIS_URL.")

# TLS ends at the reverse proxy, which tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page being edited in a same-origin frame, so framing
# stays allowed for this origin only; that is the one deliberate departure from W019.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
# nginx compresses in a deployment; compressing twice wastes the web workers' CPU.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "django.middleware.gzip.GZipMiddleware"]  # noqa: F405
# Behind the shipped nginx (docker/nginx.conf): it overwrites X-Real-IP with the address
# it saw, after its real-IP module has resolved any trusted proxies in front of it. Only
# nginx can reach the app servers, so nobody else can set this header.
# AXES_BEHIND_PROXY=false: browsers reach the app server directly (no nginx at all).
CLIENT_IP_META_KEY = os.environ.get(
    "CLIENT_IP_META_KEY",
    "HTTP_X_REAL_IP" if env_bool("AXES_BEHIND_PROXY", True) else "REMOTE_ADDR",
)
AXES_IPWARE_META_PRECEDENCE_ORDER = [CLIENT_IP_META_KEY]
RATELIMIT_IP_META_KEY = CLIENT_IP_META_KEY

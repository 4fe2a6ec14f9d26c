"""Settings shared by every environment.

Everything that differs between the embedded default and a real deployment is read
from an environment variable here, so dev/test/production only choose defaults.
"""

import os
import socket
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
# Only the names this machine answers to unless told otherwise: Django builds absolute
# links (a password-reset e-mail's, for one) from the Host header it accepted.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "lms",
    "cms",
    "courses",
    "assessments",
    "live",
    "media_lessons",
    "content_packs",
    "reports",
    "wagtailmedia",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    "csp",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "content_packs.middleware.ContentOriginMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # Above the session, CSRF and message middleware: sees every cookie they set.
    "cms.offline.OfflineMarkMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RateLimitMiddleware",
    "cms.cache.TreeGenerationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "courses.context_processors.catalogue",
            ],
        },
    },
]

# Database: SQLite by default; DATABASE_URL switches to PostgreSQL. Under PostgreSQL the
# connection pool is always on and CONN_MAX_AGE stays 0: persistent per-thread
# connections under ASGI exhaust the server's connection slots.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lms.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "8")),
            "timeout": 10,
        },
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the background worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, sessions, channel layer and Celery broker when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lms"),
        }
    }
    # One channel per process carries every live room's events to that process's
    # sockets (live/hub.py): a deeper queue than the default 100 absorbs bursts; what
    # a full queue drops is read back from the room's log.
    # redis-py 8's clients give up on a read after 5 s and its asyncio pools refuse a
    # 101st connection, while channels_redis waits for messages with a 5 s BZPOPMIN: a
    # quiet socket's read timed out and took its consumer down (channels_redis issue
    # 422), and a thousand sockets joining at once ran out of connections. No socket
    # timeout at all: with one, redis-py wraps each send in asyncio.wait_for, which on
    # Python 3.11 swallows a cancellation that lands as the send completes, so a closed
    # socket's receive went on polling Redis for ever. TCP keepalive notices a Redis
    # that vanished without closing the connection (a restart closes it at once).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "socket_keepalive_options": {
                            socket.TCP_KEEPIDLE: 10,
                            socket.TCP_KEEPINTVL: 5,
                            socket.TCP_KEEPCNT: 3,
                        },
                        "max_connections": 1000,
                    }
                ],
                "capacity": 2000,
            },
        }
    }
    # Read from Redis, written through to the database so a Redis restart logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 2000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery: Redis in a deployment; an SQLite-backed broker in the embedded default, so
# background work still leaves the request path without any server installed.
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker died is handed out again after the visibility timeout. It is
    # longer than the longest task (a three-hour video's renditions); were it shorter,
    # a running task would also be handed out again, which is safe (every task is) but
    # wasted work. (The embedded broker takes no such options.)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)),
        "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", 60)),
        "unacked_restore_throttle": 1,
    }
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGOUT_REDIRECT_URL = "/"

# Lockout, the client's address, request rates and the Content-Security-Policy.
from .security import *  # noqa: E402, F403

# Sessions on shared phones and the commune hall's computers: the cookie goes when the
# browser closes (the next person at a shared computer starts signed out), and the
# server forgets a session after SESSION_DAYS in any case, because phone browsers
# restore "closed" sessions. Three days keep a learner who studies every day or two
# signed in through a week's classes, without leaving a lost phone signed in for weeks.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_DAYS", "3")) * 24 * 3600)

# Wagtail would fetch avatars from gravatar.com: a third party the policy does not allow
# and that would learn the staff's e-mail hashes.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_build"))
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "node_modules_dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Lesson video and audio, their renditions and subtitles: private (under
    # PRIVATE_ROOT/media), served only after the course's access check.
    "media_assets": {"BACKEND": "cms.media.storage.PrivateMediaStorage"},
}
if os.environ.get("MEDIA_STORAGE") == "s3":
    # Lesson video and audio on S3-compatible storage (MinIO, Ceph, a cloud's): files
    # are private; after the app's access check a learner is sent to a signed address
    # that lasts an hour.
    STORAGES["media_assets"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"],
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY"),
            "secret_key": os.environ.get("MEDIA_S3_SECRET_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 3600,
            "file_overwrite": False,
        },
    }
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Certificates are private files: kept outside MEDIA_ROOT and served by a view that
# checks who is asking.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "lms@langson.example")

WAGTAIL_SITE_NAME = "Học trực tuyến Lạng Sơn"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Page addresses stay ASCII ("bai-1-chao-hoi"), so shared links read the same everywhere.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Trainers publish their own courses; a moderation step comes with a real need for one.
WAGTAIL_WORKFLOW_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.AdminLoginForm"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Lesson audio and video are documents too (cms.blocks checks each player gets its kind).
# Documents (lesson audio and video too) always go through Wagtail's serve view, where the
# course's access check runs; never as plain media URLs.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = [
    *("pdf", "docx", "xlsx", "pptx", "odt", "ods", "txt", "zip"),
    *("mp3", "m4a", "ogg", "oga", "opus", "mp4", "webm"),
]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# Lesson video and audio (cms.media): wagtailmedia's library screens over cms's own
# model, which adds the renditions a weak link can play.
WAGTAILMEDIA = {
    "MEDIA_MODEL": "cms.MediaAsset",
    "MEDIA_FORM_BASE": "cms.media.forms.MediaAssetForm",
    "AUDIO_EXTENSIONS": ["mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "flac", "webm"],
    "VIDEO_EXTENSIONS": ["mp4", "m4v", "mov", "webm", "mkv", "3gp", "avi", "mpg", "mpeg", "ts"],
}
# The largest upload and the longest media accepted, and how many renditions run at once
# is the workers' concurrency (docker/'s worker service).
MEDIA_MAX_BYTES = int(os.environ.get("MEDIA_MAX_BYTES", 2 * 1024**3))
MEDIA_MAX_SECONDS = int(os.environ.get("MEDIA_MAX_SECONDS", 3 * 3600))
# A lesson's video or audio counts as watched once this share of it was played.
MEDIA_COMPLETE_PERCENT = int(os.environ.get("MEDIA_COMPLETE_PERCENT", 90))
# Where the media storage keeps its files on disk (PRIVATE_ROOT/media when empty).
MEDIA_ASSETS_ROOT = os.environ.get("MEDIA_ASSETS_ROOT", "")
# Deployed behind nginx: the internal location that serves the media storage's files
# (docker/nginx.conf); empty, the app streams them itself.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
# Where workers write renditions before they go to storage (the system's temp folder).
MEDIA_SCRATCH_DIR = os.environ.get("MEDIA_SCRATCH_DIR", "")

# Progress API limits: a batch is a few seconds of learning, never megabytes.
PROGRESS_MAX_BATCH_EVENTS = 100
PROGRESS_MAX_BATCH_BYTES = 64 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

from .reporting import *  # noqa: E402, F403
from .schedule import *  # noqa: E402, F403

# Spoken answers (assessments.services.recordings): the largest upload and the longest
# recording accepted. Two minutes of speech in Opus at 32 kbit/s is under 0.5 MB.
SPOKEN_ANSWER_MAX_BYTES = int(os.environ.get("SPOKEN_ANSWER_MAX_BYTES", 5 * 1024 * 1024))
SPOKEN_ANSWER_MAX_SECONDS = int(os.environ.get("SPOKEN_ANSWER_MAX_SECONDS", 120))

# Lesson blocks that apps above cms contribute (see cms.blocks.blocks_from_apps).
LESSON_EXTRA_BLOCKS = [
    ("audio", "media_lessons.blocks.AudioBlock"),
    ("video", "media_lessons.blocks.VideoBlock"),
    ("quiz", "assessments.blocks.QuizBlock"),
    ("package", "content_packs.blocks.PackageBlock"),
]

from .packages import *  # noqa: E402, F403

if CONTENT_ORIGIN:  # noqa: F405
    ALLOWED_HOSTS.append(CONTENT_ORIGIN.split("://", 1)[-1].split(":")[0])  # noqa: F405
    # The lesson pages frame the player there.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"].append(CONTENT_ORIGIN)  # noqa: F405

# Live classes' audio and video: the Janus server (bin/janus; docker/'s janus service).
# The secrets default to the files bin/janus writes into LIVE_JANUS_RUNTIME_DIR on its
# first start; a deployment sets them. LIVE_JANUS_PUBLIC_URL is what browsers connect
# to: empty for this host's port 8188 (the embedded default), "/janus/" behind nginx.
LIVE_JANUS_URL = os.environ.get("LIVE_JANUS_URL", "http://127.0.0.1:8088/janus")
LIVE_JANUS_ADMIN_URL = os.environ.get("LIVE_JANUS_ADMIN_URL", "http://127.0.0.1:7088/admin")
LIVE_JANUS_ADMIN_SECRET = os.environ.get("LIVE_JANUS_ADMIN_SECRET", "")
LIVE_JANUS_ROOM_ADMIN_KEY = os.environ.get("LIVE_JANUS_ROOM_ADMIN_KEY", "")
LIVE_JANUS_PUBLIC_URL = os.environ.get("LIVE_JANUS_PUBLIC_URL", "")
LIVE_JANUS_RUNTIME_DIR = Path(os.environ.get("JANUS_RUNTIME_DIR", VAR_DIR / "janus"))
LIVE_JANUS_TIMEOUT = float(os.environ.get("LIVE_JANUS_TIMEOUT", 2))

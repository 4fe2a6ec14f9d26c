"""Development: the embedded default with DEBUG on (``bin/run --dev``, and manage.py's
default), served by runserver with its file watcher."""

from .base import env_bool
from .embedded import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

"""The embedded default, as bin/run starts it: a small real installation on one machine
(a commune support point may run exactly this), not a developer's server.

SQLite, the in-memory channel layer and an SQLite-backed Celery broker (base.py without
DATABASE_URL and REDIS_URL), served by uvicorn through config/serve.py with DEBUG off,
the product's own error pages, compressed static files from WhiteNoise and only local
host names unless ALLOWED_HOSTS says otherwise. ``bin/run --dev`` uses dev.py instead.
"""

import os
import secrets

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR

# Without SECRET_KEY in the environment, a key of this installation's own, made once and
# kept in VAR_DIR: sessions and password-reset links must not be signed with a key that
# is printed in the source code.
if SECRET_KEY.startswith("insecure-"):
    _key_file = VAR_DIR / "secret-key"
    if not _key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: the web server and the worker may start at the same moment.
            _fd = os.open(_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(_fd, "w") as _out:
                _out.write(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

# No nginx in front: the app serves the public image renditions itself (documents,
# originals and certificates never: they go through views that check who asks).
SERVE_PUBLIC_MEDIA = True

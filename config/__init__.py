"""The project's wiring: settings, URLs, the ASGI and WSGI entry points, the Celery app.

The only package that knows every app; no app imports it.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]

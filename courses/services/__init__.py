"""Writes of the courses app. Each service runs in one transaction and enqueues its
follow-up work with ``transaction.on_commit``."""

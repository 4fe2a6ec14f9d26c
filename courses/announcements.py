"""What the progress pipeline announces once a transaction has committed.

Apps above courses (certificates here, reports and notifications later) subscribe from
their app config; the pipeline never imports them.

``progress_changed``: learner_id, course_id, activity_ids (the activities touched).
``course_completed``: enrolment_id, learner_id, course_id.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

progress_changed = Signal()
course_completed = Signal()


def announce_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` after the current transaction commits. A failing subscriber (a
    broker that is down) is logged and never undoes or fails the learner's progress."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "Subscriber %r failed", receiver, exc_info=(type(result), result, None)
                )

    transaction.on_commit(send)

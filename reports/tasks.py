from celery import shared_task

from .services.rollups import rollups_drain_all


@shared_task(ignore_result=True)
def rollups_drain_task() -> int:
    """Fold every queued enrolment into the rollups; safe to run twice or at once."""
    return rollups_drain_all()

from celery import shared_task


@shared_task
def attempts_close_expired_task() -> int:
    """The sweep behind the per-attempt task, for any whose task was lost."""
    from assessments.services import attempt_close_expired

    return attempt_close_expired()


@shared_task
def recordings_discard_stale_task() -> int:
    """Delete spoken-answer uploads left unfinished, and files whose recording is gone."""
    from assessments.services.recordings import recordings_discard_stale

    return recordings_discard_stale()

from celery import shared_task


@shared_task
def deck_render_task(deck_id: int) -> None:
    from live.services.slides import deck_render

    deck_render(deck_id)


@shared_task
def live_sweep_task() -> int:
    """Close sockets whose process died and end sessions past their end."""
    from live.services.presence import connections_sweep
    from live.services.sessions import sessions_end_due

    return connections_sweep() + sessions_end_due()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def media_close_task(session_id: int) -> None:
    from live.services.media import media_close

    media_close(session_id)

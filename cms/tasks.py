from celery import shared_task

from cms.media.services import media_asset_give_up, media_asset_process


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=3,
)
def media_asset_process_task(self, asset_id: int, version: int) -> str:
    try:
        return media_asset_process(asset_id=asset_id, version=version)
    except OSError as exc:
        if self.request.retries >= self.max_retries:
            media_asset_give_up(asset_id=asset_id, version=version, message=str(exc))
        raise


@shared_task
def media_assets_resume_task() -> int:
    from cms.media.services import media_assets_resume
    from cms.media.uploads import media_uploads_discard_stale

    media_uploads_discard_stale()
    return media_assets_resume()

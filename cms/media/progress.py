"""A processing run's progress, told to whoever watches the asset in the admin (a
WebSocket group per asset). The database holds the same figures, so a watcher whose
layer does not reach the worker's process still sees them by asking again."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from cms.models import MediaAsset

logger = logging.getLogger(__name__)


def progress_group(asset_id: int) -> str:
    return f"media-asset-{asset_id}"


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def progress_announce(asset_id: int, *, status: str, progress: int, error: str = "") -> None:
    layer = get_channel_layer()
    if layer is None or _in_event_loop():
        # Inside an event loop (never a worker's case) the row's figures must do.
        return
    try:
        async_to_sync(layer.group_send)(
            progress_group(asset_id),
            {
                "type": "media.progress",
                "status": status,
                "label": str(MediaAsset.Status(status).label),
                "progress": progress,
                "error": error,
            },
        )
    except Exception:  # noqa: BLE001 - the figures are in the database; telling is a courtesy
        logger.warning("could not announce progress of media asset %s", asset_id, exc_info=True)

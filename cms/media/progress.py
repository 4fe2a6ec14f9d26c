"""A processing run's progress, told to whoever watches the asset in the admin (a
WebSocket group per asset). The database holds the same figures, so a watcher whose
layer does not reach the worker's process still sees them by asking again."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def progress_group(asset_id: int) -> str:
    return f"media-asset-{asset_id}"


def progress_announce(asset_id: int, *, status: str, progress: int, error: str = "") -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            progress_group(asset_id),
            {"type": "media.progress", "status": status, "progress": progress, "error": error},
        )
    except Exception:  # noqa: BLE001 - the figures are in the database; telling is a courtesy
        logger.warning("could not announce progress of media asset %s", asset_id, exc_info=True)

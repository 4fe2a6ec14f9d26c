"""The admin's live view of a media asset's processing: percentage, then ready or the
error. Processing runs in a worker process; its announcements reach this socket over the
channel layer (Redis when deployed). The embedded default's in-memory layer does not
cross processes, so the consumer also reads the asset's row every few seconds: the
worker writes the same figures there."""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from wagtail.permissions import policy_registry

from cms.models import MediaAsset

from .progress import progress_group

READ_EVERY_SECONDS = 2.0
DONE = {MediaAsset.Status.READY, MediaAsset.Status.FAILED}


@database_sync_to_async
def _state(user, asset_id: int) -> dict | None:
    """The asset's processing state, if ``user`` may edit it; None otherwise."""
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None or not user.is_authenticated:
        return None
    policy = policy_registry.get_by_type(MediaAsset)
    if not policy.user_has_permission_for_instance(user, "change", asset):
        return None
    return {
        "type": "media.progress",
        "status": asset.status,
        "label": asset.get_status_display(),
        "progress": asset.progress,
        "error": asset.error,
        "playable": bool(asset.rendition_set),
    }


class MediaProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.asset_id = int(self.scope["url_route"]["kwargs"]["asset_id"])
        state = await _state(self.scope["user"], self.asset_id)
        if state is None:
            # Someone who may not edit the asset learns nothing, not even that it exists.
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(progress_group(self.asset_id), self.channel_name)
        await self.accept()
        await self.send_json(state)
        self.reader = asyncio.create_task(self._read_while_working(state))

    async def _read_while_working(self, state: dict) -> None:
        last = state
        while last["status"] not in DONE:
            await asyncio.sleep(READ_EVERY_SECONDS)
            current = await _state(self.scope["user"], self.asset_id)
            if current is None:
                await self.close(code=4404)
                return
            if current != last:
                await self.send_json(current)
            last = current

    async def disconnect(self, code):
        reader = getattr(self, "reader", None)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await self.channel_layer.group_discard(progress_group(self.asset_id), self.channel_name)

    async def receive_json(self, content, **kwargs):
        pass  # the socket only tells; nothing is asked of it

    async def media_progress(self, event):
        await self.send_json(event)

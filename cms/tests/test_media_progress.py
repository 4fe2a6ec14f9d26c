"""The admin's live view of processing: only those who may edit the asset open it; it
says where processing stands at once, then what the worker announces or writes."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.test import Client
from wagtail.models import Collection

from cms.media.progress import progress_announce
from cms.models import MediaAsset

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _socket(user, asset_id):
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost")]
    if user is not None:
        headers.append((b"cookie", _cookie(user)))
    return WebsocketCommunicator(
        get_default_application(), f"/ws/admin/media/{asset_id}/", headers=headers
    )


@pytest.fixture
def asset(db):
    return MediaAsset.objects.create(
        title="Bài giảng",
        type="video",
        file="sources/x/y.mp4",
        collection=Collection.get_first_root_node(),
        status=MediaAsset.Status.PROCESSING,
        progress=12,
    )


def test_strangers_learn_nothing(asset, make_learner, make_trainer):
    for user in (None, make_learner("hoa"), make_trainer("khach")):
        socket = _socket(user, asset.pk)

        async def scenario(socket=socket):
            return await socket.connect(timeout=5)

        connected, code = async_to_sync(scenario)()
        assert not connected and code == 4404, user


def test_the_editor_sees_the_worker_progress_then_the_end(asset, admin_user):
    socket = _socket(admin_user, asset.pk)

    async def scenario():
        assert (await socket.connect(timeout=5))[0]
        first = json.loads(await socket.receive_from(timeout=5))
        await sync_to_async(progress_announce)(asset.pk, status="processing", progress=57)
        announced = json.loads(await socket.receive_from(timeout=5))
        await sync_to_async(MediaAsset.objects.filter(pk=asset.pk).update)(
            status=MediaAsset.Status.FAILED, error="ffmpeg: invalid data"
        )
        # As if the layer did not reach the worker: the row is read again.
        last = json.loads(await socket.receive_from(timeout=6))
        await socket.disconnect()
        return first, announced, last

    first, announced, last = async_to_sync(scenario)()
    assert first["status"] == "processing" and first["progress"] == 12
    assert announced["progress"] == 57 and announced["label"] == "Đang xử lý"
    assert last["status"] == "failed" and last["error"] == "ffmpeg: invalid data"

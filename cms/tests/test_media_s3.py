"""The media pipeline on S3-compatible storage, through Django's storage API only: a run
publishes its set into the bucket, the app sends learners to a signed address, and
deleting the asset empties its part of the bucket. The server is moto's S3 (no real S3
is reachable from the test machine); it speaks the S3 protocol over HTTP."""

import urllib.request

import boto3
import pytest

from cms.media import services
from cms.media.storage import media_storage, walk
from cms.models import MediaAsset

from .media_files import asset_from, generate

BUCKET = "lms-media-test"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server, tmp_path):
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    settings.STORAGES = {
        **settings.STORAGES,
        "media_assets": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": "k",
                "secret_key": "s",
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield media_storage()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_publishes_into_the_bucket_and_deleting_empties_it(
    s3_storage, tmp_path, client, admin_user
):
    clip = generate(tmp_path / "bai.mp4", seconds=3, size="320x180")
    asset = asset_from(clip, "video", process=True)
    assert asset.status == MediaAsset.Status.READY, asset.error
    names = sorted(walk(s3_storage, f"renditions/{asset.key}"))
    assert f"{asset.rendition_set}/hls/master.m3u8" in names
    assert any(n.endswith(".m4s") for n in names) and all(
        n.startswith(asset.rendition_set) for n in names
    )
    # A second upload's run replaces the set; the first set leaves the bucket.
    first = asset.rendition_set
    asset.file.save("bai2.mp4", open(clip, "rb"), save=False)  # noqa: SIM115
    services.media_asset_source_replaced(asset, services.media_probe(clip, expected="video"))
    services.media_asset_process(asset_id=asset.pk, version=asset.source_version)
    asset.refresh_from_db()
    assert asset.rendition_set != first
    assert not [n for n in walk(s3_storage, f"renditions/{asset.key}") if n.startswith(first)]

    # The app checks, then sends the learner to a short-lived signed address.
    client.force_login(admin_user)
    response = client.get(asset.rendition_url("download"))
    assert response.status_code == 302 and "Signature" in response["Location"]
    with urllib.request.urlopen(response["Location"]) as fetched:
        assert fetched.read()[4:8] == b"ftyp"

    key = asset.key
    asset.delete()
    assert not list(walk(s3_storage, f"renditions/{key}"))
    assert not list(walk(s3_storage, f"sources/{key}"))

"""A course's recordings as a private podcast and a plain playlist."""

import xml.etree.ElementTree as ET

import pytest

from cms.tests.media_files import asset_from, generate
from courses.models import CourseWorkspace, Enrolment
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from media_lessons.podcast import podcast_token
from tests.factories import build_course


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("song") / "hoi-duong.mp3", seconds=4, video=False)


@pytest.fixture
def course(db, settings, tmp_path, trainer, learner, song):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    collection = CourseWorkspace.objects.get(course=tree.course).collection
    asset = asset_from(song, "audio", collection, process=True)
    lesson = tree.lessons[0]
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "audio", "value": {"title": "Hỏi đường", "audio": asset.pk, "transcript": ""}},
    ]
    lesson.save_revision().publish()
    return tree, asset


def test_the_learners_podcast_lists_the_audio_and_serves_it(client, course, learner):
    tree, asset = course
    client.force_login(learner)
    page = client.get(f"/podcast/course/{tree.course.pk}/")
    assert page.status_code == 200 and "Hỏi đường" in page.content.decode()
    client.logout()  # podcast apps do not sign in
    token = podcast_token(learner_id=learner.pk, course_id=tree.course.pk)
    feed = client.get(f"/podcast/{token}/feed.xml")
    assert feed["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(feed.content).find("channel")
    assert channel.findtext("title") == tree.course.title
    (item,) = channel.findall("item")
    enclosure = item.find("enclosure")
    assert item.findtext("title") == "Hỏi đường" and enclosure.get("type") == "audio/mp4"
    audio = client.get(enclosure.get("url").split("testserver", 1)[1])
    body = audio.getvalue()
    assert audio.status_code == 200 and len(body) == int(enclosure.get("length"))
    part = client.get(enclosure.get("url").split("testserver", 1)[1], HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and part.getvalue() == body[:100]
    playlist = client.get(f"/podcast/{token}/playlist.m3u").content.decode().splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[2].startswith("#EXTINF:4,Hỏi đường")
    assert playlist[3] == enclosure.get("url")


def test_no_one_else_gets_the_course_audio(client, course, learner, other_learner):
    tree, asset = course
    token = podcast_token(learner_id=learner.pk, course_id=tree.course.pk)
    forged = podcast_token(learner_id=other_learner.pk, course_id=tree.course.pk)
    for bad in (token[:-2] + "xx", forged, "khong-phai-ma"):
        assert client.get(f"/podcast/{bad}/feed.xml").status_code == 404
        assert client.get(f"/podcast/{bad}/{asset.key}.m4a").status_code == 404
    client.force_login(other_learner)
    assert client.get(f"/podcast/course/{tree.course.pk}/").status_code == 404
    # Withdrawing ends the private addresses too.
    enrolment_withdraw(enrolment=Enrolment.objects.get(learner=learner))
    assert client.get(f"/podcast/{token}/feed.xml").status_code == 404
    assert client.get(f"/podcast/{token}/{asset.key}.m4a").status_code == 404

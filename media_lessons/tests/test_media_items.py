"""A lesson's video as a media item of the course: registered with the lesson, opened
when the server serves its playlist, watched stretches merged and capped by the clock,
completed at the configured share."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.tests.media_files import asset_from, generate
from courses.models import Activity, ActivityProgress, CourseWorkspace, Enrolment
from courses.services.enrolment import enrolment_create
from courses.services.progress import EventIn, progress_events_ingest
from media_lessons.kind import MEDIA
from tests.factories import build_course, served


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # 20 s: long enough to watch in stretches, short to process.
    return generate(tmp_path_factory.mktemp("clip") / "bai.mp4", seconds=20, size="320x180")


@pytest.fixture
def course(db, settings, tmp_path, trainer, learner):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    return tree


@pytest.fixture
def video(course, clip):
    collection = CourseWorkspace.objects.get(course=course.course).collection
    return asset_from(clip, "video", collection, process=True)


def _place(lesson, asset, *, required=True, again=False):
    body = list(lesson.body.raw_data)
    block = {
        "type": "video",
        "value": {"title": "Xem video", "video": asset.pk, "transcript": "", "required": required},
    }
    body.append(block)
    if again:
        body.append({**block, "id": str(uuid.uuid4())})
    lesson.body = body
    lesson.save_revision().publish()


def _item(course, asset) -> Activity:
    return Activity.objects.get(kind=MEDIA, source_ref=f"{course.course.pk}:{asset.key}")


def _watch(learner, item, *stretches, at=None):
    """Each stretch reported as a player does, when it ends (30 s apart, the last now)."""
    at = at or timezone.now()
    events = [
        EventIn(
            uuid.uuid4(),
            item.pk,
            "progressed",
            at - timedelta(seconds=30 * (len(stretches) - 1 - i)),
            {"from": a, "to": b, "position": b, "seconds": b - a},
        )
        for i, (a, b) in enumerate(stretches)
    ]
    return progress_events_ingest(learner=learner, events=events, now=at)


def _opened(learner, item, ago):
    served(learner, item, ago=ago)


def test_a_video_in_a_lesson_is_an_item_of_the_course_while_the_lesson_is(course, video):
    lesson = course.lessons[0]
    _place(lesson, video, again=True)
    item = _item(course, video)
    assert item.is_active and item.required and item.title == "Xem video"
    assert Activity.objects.filter(kind=MEDIA).count() == 1, "the same video twice is one item"
    lesson.unpublish()
    item.refresh_from_db()
    assert not item.is_active
    lesson.save_revision().publish()
    item.refresh_from_db()
    assert item.is_active


def test_the_playlist_served_is_the_evidence_of_opening(client, course, video, learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    client.force_login(learner)
    assert client.get(video.rendition_url("master")).status_code == 200
    summary = ActivityProgress.objects.get(learner=learner, activity=item)
    assert summary.opened_at is not None


def test_rewatched_stretches_count_once_and_the_clock_caps_a_claim(course, video, learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    _opened(learner, item, timedelta(seconds=5))
    # A script claiming the whole video 5 s after opening gets 2 x 5 s of it at most.
    _watch(learner, item, (0, 20))
    summary = ActivityProgress.objects.get(learner=learner, activity=item)
    ((start, end),) = summary.resume_point["watched"]
    assert start == 0 and 9.5 < end <= 10.5
    assert summary.status != ActivityProgress.Status.COMPLETED


def test_watching_most_of_it_completes_and_rewatching_does_not_count_twice(course, video, learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    _opened(learner, item, timedelta(minutes=10))
    now = timezone.now()
    _watch(learner, item, (0, 8), (4, 8), (0, 8), at=now - timedelta(minutes=5))
    summary = ActivityProgress.objects.get(learner=learner, activity=item)
    assert summary.resume_point["watched"] == [[0, 8]]
    assert summary.status != ActivityProgress.Status.COMPLETED, "8 of 20 s"
    _watch(learner, item, (8, 17), at=now - timedelta(minutes=4))
    summary.refresh_from_db()
    assert summary.status != ActivityProgress.Status.COMPLETED, "17 of 20 s is 85 %"
    _watch(learner, item, (17, 18.5), at=now)
    summary.refresh_from_db()
    assert summary.status == ActivityProgress.Status.COMPLETED, "18.5 of 20 s is 92.5 %"
    assert summary.resume_point["position"] == 18.5


def test_the_share_that_completes_is_a_setting(course, video, learner, settings):
    settings.MEDIA_COMPLETE_PERCENT = 50
    _place(course.lessons[0], video)
    item = _item(course, video)
    _opened(learner, item, timedelta(minutes=10))
    _watch(learner, item, (0, 11))
    assert ActivityProgress.objects.get(learner=learner, activity=item).status == (
        ActivityProgress.Status.COMPLETED
    )


def test_without_the_server_serving_it_nothing_completes(course, video, learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    # Enrolled long ago, so the clock allows the claim; but no playlist was served.
    Enrolment.objects.filter(learner=learner).update(
        enrolled_at=timezone.now() - timedelta(hours=1)
    )
    result = _watch(learner, item, (0, 10), (10, 20))
    summary = ActivityProgress.objects.get(learner=learner, activity=item)
    assert summary.resume_point["watched"] == [[0, 20]]
    assert summary.status != ActivityProgress.Status.COMPLETED
    assert result.activities[0].waiting, "the reason is given"


def test_hostile_stretches_change_nothing_or_are_clamped(course, video, learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    _opened(learner, item, timedelta(minutes=10))
    now = timezone.now()
    for payload in (
        {"from": 15, "to": 5},
        {"from": -100, "to": -1},
        {"from": "0", "to": "20"},
        {"from": True, "to": 20},
        {"from": 0},
    ):
        progress_events_ingest(
            learner=learner,
            events=[EventIn(uuid.uuid4(), item.pk, "progressed", now, payload)],
            now=now,
        )
    summary = ActivityProgress.objects.get(learner=learner, activity=item)
    assert not summary.resume_point.get("watched")
    _watch(learner, item, (18, 10_000), at=now + timedelta(minutes=1))
    summary.refresh_from_db()
    assert summary.resume_point["watched"] == [[18, 20.0]], "clamped to the video's length"
    refused = progress_events_ingest(
        learner=learner, events=[EventIn(uuid.uuid4(), item.pk, "completed", now, {})], now=now
    )
    assert refused.events[0].status == "refused", "a client cannot declare it watched"


def test_the_state_is_the_learners_own(client, course, video, learner, other_learner):
    _place(course.lessons[0], video)
    item = _item(course, video)
    _opened(learner, item, timedelta(minutes=10))
    _watch(learner, item, (0, 6))
    client.force_login(learner)
    state = client.get(f"/api/media/{item.pk}/state").json()
    assert state["position"] == 6 and state["watched"] == 0.3
    client.force_login(other_learner)
    assert client.get(f"/api/media/{item.pk}/state").status_code == 404
    client.logout()
    assert client.get(f"/api/media/{item.pk}/state").status_code == 401


def test_a_recording_deleted_from_the_library_stops_counting(client, course, video, learner):
    lesson = course.lessons[0]
    _place(lesson, video)
    item = _item(course, video)
    video.delete()
    item.refresh_from_db()
    assert not item.is_active
    client.force_login(learner)
    assert client.get(lesson.url).status_code == 200, "the lesson still reads"


def test_another_courses_recording_placed_by_hand_does_not_count(course, clip, make_trainer):
    from tests.factories import build_course as another

    theirs = another(trainer=make_trainer("khach"), title="An toàn thông tin", slug="an-toan")
    collection = CourseWorkspace.objects.get(course=theirs.course).collection
    foreign = asset_from(clip, "video", collection, process=True)
    _place(course.lessons[0], foreign)
    assert not Activity.objects.filter(kind=MEDIA, course=course.course).exists()

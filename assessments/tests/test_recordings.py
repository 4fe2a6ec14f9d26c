"""Spoken answers: a recording sent in chunks over a weak link (resumed, repeated,
refused), checked with ffprobe, kept private, heard by its learner and the course's
trainers only, and graded by rubric into the course's progress."""

import json
import os
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import ffmpeg
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from assessments.models import Attempt, GradeChange, Recording, Response
from assessments.services import attempt_start, attempt_submit, response_save
from assessments.services.recordings import (
    OffsetMismatch,
    recording_append,
    recording_begin,
    recording_finish,
    recording_status,
    recordings_discard_stale,
)
from courses.models import ActivityProgress, CourseProgress
from courses.services.enrolment import enrolment_create
from lms.errors import Conflict, NotAvailable, ServiceError
from tests.factories import build_course

from .factories import make_quiz, question

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

CHUNK = 4096


def make_audio(path: Path, seconds: float, *, codec: str = "libopus", live: bool = False) -> bytes:
    """A real recording: a tone, encoded as a browser would (``live``: written as a
    stream, so the header holds no duration, like MediaRecorder's)."""
    container = "ogg" if path.suffix == ".ogg" else "webm"
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"sine=frequency=440:duration={seconds}", "-c:a", codec, "-f", container]
    if live:
        data = subprocess.run([*command, "-"], check=True, capture_output=True).stdout
        path.write_bytes(data)
        return data
    subprocess.run([*command, str(path)], check=True)
    return path.read_bytes()


@pytest.fixture(scope="session")
def audio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audio")
    return {
        "webm": make_audio(folder / "a.webm", 2),
        "ogg": make_audio(folder / "a.ogg", 2),
        "live": make_audio(folder / "live.webm", 2, live=True),
        "vorbis": make_audio(folder / "v.ogg", 1, codec="libvorbis"),
        "long": make_audio(folder / "long.webm", 6),
        "long_live": make_audio(folder / "long-live.webm", 6, live=True),
    }


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in (root / "recordings").rglob("*") if p.is_file())


@pytest.fixture
def spoken(course_tree):
    reference = get_document_model().objects.create(
        title="Phát âm mẫu: Slao cạ", file=ContentFile(b"OggS reference", name="slao-ca.ogg")
    )
    return question(
        course_tree.course,
        "spoken",
        "Đọc to: “Slao cạ, pây lăng?”",
        points=3,
        rubric="Phát âm đúng | 2\nNgữ điệu | 1",
        reference_audio=reference,
    )


@pytest.fixture
def truefalse(course_tree):
    return question(
        course_tree.course, "truefalse", "“Kin khẩu” là ăn cơm.", true_false_answer=True
    )


@pytest.fixture
def quiz(course_tree, spoken, truefalse):
    return make_quiz(course_tree.course, [truefalse, spoken], shuffle_options=False)


@pytest.fixture
def enrolled(learner, course_tree):
    enrolment_create(learner=learner, course=course_tree.course)
    return learner


@pytest.fixture
def attempt(quiz, enrolled):
    return attempt_start(learner=enrolled, quiz=quiz)


def upload(learner, attempt, question, data: bytes, content_type="audio/webm;codecs=opus"):
    recording = recording_begin(
        learner=learner,
        attempt_id=attempt.pk,
        question_id=question.pk,
        content_type=content_type,
        size=len(data),
    )
    for offset in range(0, len(data), CHUNK):
        recording_append(
            learner=learner,
            recording_id=recording.pk,
            offset=offset,
            chunk=data[offset : offset + CHUNK],
        )
    return recording


# --- the upload ---------------------------------------------------------------------------


def test_an_interrupted_upload_resumes_and_becomes_the_answer(
    enrolled, attempt, spoken, audio, private_root
):
    data = audio["live"]
    recording = recording_begin(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=spoken.pk,
        content_type="audio/webm;codecs=opus",
        size=len(data),
    )
    assert recording.received_bytes == 0 and not recording.complete
    recording_append(learner=enrolled, recording_id=recording.pk, offset=0, chunk=data[:CHUNK])
    recording_append(
        learner=enrolled, recording_id=recording.pk, offset=CHUNK, chunk=data[CHUNK : 2 * CHUNK]
    )
    # The link drops; the phone comes back knowing nothing and asks where it stands.
    assert recording_status(learner=enrolled, recording_id=recording.pk).received_bytes == 2 * CHUNK
    with pytest.raises(OffsetMismatch) as mismatch:
        recording_finish(learner=enrolled, recording_id=recording.pk)
    assert mismatch.value.offset == 2 * CHUNK
    assert not Response.objects.filter(question=spoken).exists()
    for offset in range(2 * CHUNK, len(data), CHUNK):
        recording_append(
            learner=enrolled,
            recording_id=recording.pk,
            offset=offset,
            chunk=data[offset : offset + CHUNK],
        )
    recording = recording_finish(learner=enrolled, recording_id=recording.pk)
    assert recording.complete and recording.received_bytes == len(data)
    assert recording.duration_seconds == pytest.approx(2, abs=0.1)
    assert recording.content_type == "audio/webm"
    stored = private_root / recording.path
    # Stored with the duration and cues a browser's recording lacks, so players can seek.
    written = ffmpeg.probe(str(stored))
    assert float(written["format"]["duration"]) == pytest.approx(2, abs=0.1)
    assert [s["codec_name"] for s in written["streams"]] == ["opus"]
    assert files_under(private_root) == [stored], "no .part file is left beside it"
    response = Response.objects.get(attempt=attempt, question=spoken)
    assert response.answer == {"recording": str(recording.pk)}
    # Finishing again (the reply was lost) answers the same.
    assert recording_finish(learner=enrolled, recording_id=recording.pk).pk == recording.pk


def test_a_chunk_sent_twice_changes_nothing_and_a_gap_is_refused(enrolled, attempt, spoken, audio):
    data = audio["webm"]
    recording = recording_begin(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=spoken.pk,
        content_type="audio/webm",
        size=len(data),
    )
    first = data[:CHUNK]
    recording_append(learner=enrolled, recording_id=recording.pk, offset=0, chunk=first)
    again = recording_append(
        learner=enrolled, recording_id=recording.pk, offset=0, chunk=b"x" * CHUNK
    )
    assert again.received_bytes == CHUNK
    with pytest.raises(OffsetMismatch) as gap:
        recording_append(
            learner=enrolled,
            recording_id=recording.pk,
            offset=3 * CHUNK,
            chunk=data[3 * CHUNK : 4 * CHUNK],
        )
    assert gap.value.offset == CHUNK and isinstance(gap.value, Conflict)
    recording.refresh_from_db()
    assert recording.received_bytes == CHUNK
    for offset in range(CHUNK, len(data), CHUNK):
        recording_append(
            learner=enrolled,
            recording_id=recording.pk,
            offset=offset,
            chunk=data[offset : offset + CHUNK],
        )
    finished = recording_finish(learner=enrolled, recording_id=recording.pk)
    assert (Path(finished.path).suffix, finished.complete) == (".webm", True)


@pytest.mark.parametrize(
    "kind, content_type", [("ogg", "audio/ogg; codecs=opus"), ("vorbis", "audio/ogg")]
)
def test_ogg_opus_and_vorbis_are_accepted(enrolled, attempt, spoken, audio, kind, content_type):
    recording = upload(enrolled, attempt, spoken, audio[kind], content_type)
    recording = recording_finish(learner=enrolled, recording_id=recording.pk)
    assert recording.complete and recording.path.endswith(".ogg")
    assert recording.content_type == "audio/ogg"


@pytest.mark.parametrize(
    "data",
    [PNG, "Xin chào, đây không phải âm thanh.\n".encode() * 20, b"#EXTM3U\nhttp://example.com/a\n"],
    ids=["png", "text", "playlist"],
)
def test_a_file_that_is_not_audio_is_refused_and_leaves_nothing(
    enrolled, attempt, spoken, private_root, data
):
    recording = upload(enrolled, attempt, spoken, data)
    assert files_under(private_root), "the chunks were stored while they came"
    with pytest.raises(ServiceError) as refused:
        recording_finish(learner=enrolled, recording_id=recording.pk)
    assert refused.value.code == "not_audio"
    assert "không phải bản ghi âm" in refused.value.message
    assert not Recording.objects.exists()
    assert files_under(private_root) == []
    assert not Response.objects.filter(question=spoken).exists()


def test_a_video_is_not_a_spoken_answer(enrolled, attempt, spoken, private_root, tmp_path):
    video = tmp_path / "v.webm"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=32x32"]
        + ["-c:v", "libvpx", str(video)],
        check=True,
    )
    recording = upload(enrolled, attempt, spoken, video.read_bytes())
    with pytest.raises(ServiceError, match="không phải bản ghi âm"):
        recording_finish(learner=enrolled, recording_id=recording.pk)
    assert not Recording.objects.exists() and files_under(private_root) == []


@pytest.mark.parametrize("kind", ["long", "long_live"])
def test_a_recording_too_long_is_refused_and_leaves_nothing(
    settings, enrolled, attempt, spoken, audio, private_root, kind
):
    settings.SPOKEN_ANSWER_MAX_SECONDS = 4
    recording = upload(enrolled, attempt, spoken, audio[kind])
    with pytest.raises(ServiceError) as refused:
        recording_finish(learner=enrolled, recording_id=recording.pk)
    assert refused.value.code == "too_long" and "4 giây" in refused.value.message
    assert not Recording.objects.exists() and files_under(private_root) == []


def test_a_recording_too_large_is_refused_before_a_byte_is_stored(
    settings, enrolled, attempt, spoken, private_root
):
    settings.SPOKEN_ANSWER_MAX_BYTES = 10_000
    with pytest.raises(ServiceError) as refused:
        recording_begin(
            learner=enrolled,
            attempt_id=attempt.pk,
            question_id=spoken.pk,
            content_type="audio/webm",
            size=10_001,
        )
    assert refused.value.code == "too_large" and "tối đa 9 KB" in refused.value.message
    assert not Recording.objects.exists() and not (private_root / "recordings").exists()


def test_more_bytes_than_announced_discard_the_upload(enrolled, attempt, spoken, private_root):
    recording = recording_begin(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=spoken.pk,
        content_type="audio/webm",
        size=100,
    )
    recording_append(learner=enrolled, recording_id=recording.pk, offset=0, chunk=b"\x1a" * 60)
    with pytest.raises(ServiceError) as refused:
        recording_append(learner=enrolled, recording_id=recording.pk, offset=60, chunk=b"a" * 41)
    assert refused.value.code == "too_large"
    assert not Recording.objects.exists() and files_under(private_root) == []


@pytest.mark.parametrize("content_type", ["audio/mpeg", "video/webm", "audio/webm;codecs=vp8", ""])
def test_only_opus_in_webm_or_ogg_is_taken(enrolled, attempt, spoken, content_type):
    with pytest.raises(ServiceError) as refused:
        recording_begin(
            learner=enrolled,
            attempt_id=attempt.pk,
            question_id=spoken.pk,
            content_type=content_type,
            size=1000,
        )
    assert refused.value.code == "not_audio"
    assert not Recording.objects.exists()


def test_only_a_spoken_question_of_the_attempt_takes_a_recording(
    enrolled, attempt, truefalse, course_tree
):
    elsewhere = question(course_tree.course, "spoken", "Không thuộc bài này")
    for question_id in (truefalse.pk, elsewhere.pk):
        with pytest.raises(ServiceError) as refused:
            recording_begin(
                learner=enrolled,
                attempt_id=attempt.pk,
                question_id=question_id,
                content_type="audio/webm",
                size=1000,
            )
        assert refused.value.code == "question"


def test_after_submission_or_time_up_no_chunk_is_taken(enrolled, attempt, spoken, audio, quiz):
    data = audio["webm"]
    recording = recording_begin(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=spoken.pk,
        content_type="audio/webm",
        size=len(data),
    )
    later = timezone.now() + timedelta(hours=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now())
    with pytest.raises(Conflict) as late:
        recording_append(
            learner=enrolled, recording_id=recording.pk, offset=0, chunk=data[:CHUNK], now=later
        )
    assert late.value.code == "time_up"
    attempt.refresh_from_db()
    assert attempt.state != Attempt.State.IN_PROGRESS, "the attempt was closed with what it had"
    with pytest.raises(Conflict) as closed:
        recording_append(learner=enrolled, recording_id=recording.pk, offset=0, chunk=data[:CHUNK])
    assert closed.value.code == "closed"


def test_recording_again_replaces_the_answer_and_the_old_file(
    enrolled, attempt, spoken, audio, private_root, django_capture_on_commit_callbacks
):
    first = recording_finish(
        learner=enrolled, recording_id=upload(enrolled, attempt, spoken, audio["webm"]).pk
    )
    first_file = private_root / first.path
    # A take left half-sent is replaced by the next one the learner starts.
    abandoned = recording_begin(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=spoken.pk,
        content_type="audio/ogg",
        size=len(audio["ogg"]),
    )
    recording_append(
        learner=enrolled, recording_id=abandoned.pk, offset=0, chunk=audio["ogg"][:CHUNK]
    )
    second = upload(enrolled, attempt, spoken, audio["ogg"], "audio/ogg")
    assert not Recording.objects.filter(pk=abandoned.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        second = recording_finish(learner=enrolled, recording_id=second.pk)
    assert Response.objects.get(question=spoken).answer == {"recording": str(second.pk)}
    assert list(Recording.objects.values_list("pk", flat=True)) == [second.pk]
    assert not first_file.exists()
    assert files_under(private_root) == [private_root / second.path]


def test_another_learner_can_neither_upload_nor_finish(
    enrolled, attempt, spoken, other_learner, audio
):
    with pytest.raises(NotAvailable):
        recording_begin(
            learner=other_learner,
            attempt_id=attempt.pk,
            question_id=spoken.pk,
            content_type="audio/webm",
            size=1000,
        )
    recording = upload(enrolled, attempt, spoken, audio["webm"])
    for call in (
        lambda: recording_append(
            learner=other_learner, recording_id=recording.pk, offset=0, chunk=b"x"
        ),
        lambda: recording_finish(learner=other_learner, recording_id=recording.pk),
        lambda: recording_status(learner=other_learner, recording_id=recording.pk),
    ):
        with pytest.raises(NotAvailable):
            call()


def test_the_sweep_discards_abandoned_uploads_and_orphan_files(
    enrolled, attempt, spoken, audio, private_root
):
    done = recording_finish(
        learner=enrolled, recording_id=upload(enrolled, attempt, spoken, audio["webm"]).pk
    )
    stale = upload(enrolled, attempt, spoken, audio["ogg"][: 2 * CHUNK])
    Recording.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))
    orphan = private_root / "recordings" / str(uuid.uuid4()) / f"{uuid.uuid4()}.webm"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind")
    fresh_orphan = orphan.with_name(f"{uuid.uuid4()}.part")
    fresh_orphan.write_bytes(b"maybe still coming")
    os.utime(orphan, (0, 0))
    assert recordings_discard_stale() == 2
    assert list(Recording.objects.values_list("pk", flat=True)) == [done.pk]
    assert (private_root / done.path).exists()
    assert fresh_orphan.exists(), "a file made within the day may belong to a row on its way"
    assert not orphan.exists()
    assert recordings_discard_stale() == 0, "safe to run again"


def test_the_sweep_is_on_the_beat(settings):
    from assessments.tasks import recordings_discard_stale_task

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assessments.tasks.recordings_discard_stale_task" in tasks
    assert recordings_discard_stale_task.name == "assessments.tasks.recordings_discard_stale_task"


# --- over HTTP ------------------------------------------------------------------------------


def begin_url(attempt, question) -> str:
    return f"/attempt/{attempt.pk}/recording/{question.pk}/"


def test_the_upload_over_http_resumes_from_the_servers_offset(
    client, enrolled, attempt, spoken, audio, private_root
):
    client.force_login(enrolled)
    data = audio["live"]
    begun = client.post(
        begin_url(attempt, spoken),
        json.dumps({"content_type": "audio/webm;codecs=opus", "size": len(data)}),
        content_type="application/json",
    )
    assert begun.status_code == 201
    state = begun.json()
    assert state["offset"] == 0 and state["size"] == len(data)
    url = state["upload_url"]

    def put(offset, chunk, **extra):
        return client.put(
            url, chunk, content_type="application/octet-stream", HTTP_UPLOAD_OFFSET=str(offset)
        )

    assert put(0, data[:CHUNK]).json()["offset"] == CHUNK
    # The same chunk again (its reply was lost): answered with the current offset.
    repeat = put(0, data[:CHUNK])
    assert repeat.status_code == 200 and repeat["Upload-Offset"] == str(CHUNK)
    gap = put(3 * CHUNK, data[3 * CHUNK : 4 * CHUNK])
    assert gap.status_code == 409
    assert gap.json()["offset"] == CHUNK and gap["Upload-Offset"] == str(CHUNK)
    assert client.get(url).json()["offset"] == CHUNK
    # The query parameter works as well as the header.
    posted = client.post(
        f"{url}?offset={CHUNK}", data[CHUNK : 2 * CHUNK], content_type="application/octet-stream"
    )
    assert posted.json()["offset"] == 2 * CHUNK
    early = client.post(state["finish_url"])
    assert early.status_code == 409 and early.json()["offset"] == 2 * CHUNK
    offset = 2 * CHUNK
    while offset < len(data):
        offset = put(offset, data[offset : offset + CHUNK]).json()["offset"]
    finished = client.post(state["finish_url"])
    assert finished.status_code == 200
    body = finished.json()
    assert body["complete"] and body["message"] == "Đã lưu bản ghi âm"
    played = client.get(body["audio_url"])
    assert played.status_code == 200 and played["Content-Type"] == "audio/webm"
    assert played["Accept-Ranges"] == "bytes"
    stored = Recording.objects.get().path
    assert b"".join(played.streaming_content) == (private_root / stored).read_bytes()


def test_http_refusals_carry_the_reason(client, enrolled, attempt, spoken, settings):
    client.force_login(enrolled)
    settings.SPOKEN_ANSWER_MAX_BYTES = 1000
    big = client.post(
        begin_url(attempt, spoken),
        json.dumps({"content_type": "audio/webm", "size": 5000}),
        content_type="application/json",
    )
    assert big.status_code == 400 and big.json()["error"] == "too_large"
    assert "quá lớn" in big.json()["detail"]
    assert (
        client.post(begin_url(attempt, spoken), "[", content_type="application/json").status_code
        == 400
    )
    begun = client.post(
        begin_url(attempt, spoken),
        json.dumps({"content_type": "audio/webm", "size": 500}),
        content_type="application/json",
    ).json()
    no_offset = client.put(begun["upload_url"], b"abc", content_type="application/octet-stream")
    assert no_offset.status_code == 400
    client.logout()
    assert client.post(begun["finish_url"]).status_code == 403


def finished_recording(learner, attempt, question, data) -> Recording:
    return recording_finish(
        learner=learner, recording_id=upload(learner, attempt, question, data).pk
    )


def test_byte_ranges_for_audio_players(client, enrolled, attempt, spoken, audio, private_root):
    recording = finished_recording(enrolled, attempt, spoken, audio["webm"])
    data = (private_root / recording.path).read_bytes()
    client.force_login(enrolled)
    url = f"/recording/{recording.pk}/audio/"
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert part.getvalue() == data[100:200] and part["Content-Length"] == "100"
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and tail.getvalue() == data[-50:]
    rest = client.get(url, HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert rest.getvalue() == data[-10:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    several = client.get(url, HTTP_RANGE="bytes=0-1,5-6")
    assert several.status_code == 200
    assert "no-store" in part["Cache-Control"]


def test_only_the_learner_and_the_courses_trainers_hear_a_recording(
    client, enrolled, attempt, spoken, audio, other_learner, trainer, make_trainer
):
    recording = finished_recording(enrolled, attempt, spoken, audio["webm"])
    url = f"/recording/{recording.pk}/audio/"
    stranger = make_trainer("stranger")
    build_course(trainer=stranger, title="An toàn thông tin", slug="an-toan")
    for user, status in ((enrolled, 200), (trainer, 200), (other_learner, 404), (stranger, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.get(f"/recording/{recording.pk}/upload/").status_code == (
            200 if user == enrolled else 404
        )
    client.logout()
    assert client.get(url).status_code == 404
    missing = f"/recording/{uuid.uuid4()}/audio/"
    client.force_login(enrolled)
    assert client.get(missing).status_code == 404


def test_a_half_sent_recording_is_not_served(client, enrolled, attempt, spoken, audio):
    recording = upload(enrolled, attempt, spoken, audio["webm"])
    client.force_login(enrolled)
    assert client.get(f"/recording/{recording.pk}/audio/").status_code == 404


# --- the pages --------------------------------------------------------------------------------


def test_the_attempt_page_has_the_recorder(client, enrolled, attempt, spoken, truefalse):
    client.force_login(enrolled)
    page = client.get(f"/attempt/{attempt.pk}/").content.decode()
    assert "data-recorder" in page and begin_url(attempt, spoken) in page
    assert "js/recorder.js" in page
    assert 'data-max-seconds="120"' in page
    assert "<script>" not in page and "onclick" not in page
    # The spoken question has nothing for the autosave to send; the others keep the button.
    assert page.count("save-button") == 1


def test_a_quiz_without_a_spoken_question_does_not_load_the_recorder(
    client, enrolled, course_tree, truefalse
):
    quiz = make_quiz(course_tree.course, [truefalse], title="Không có câu nói")
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    client.force_login(enrolled)
    page = client.get(f"/attempt/{attempt.pk}/").content.decode()
    assert "js/quiz.js" in page and "js/recorder.js" not in page


def test_awaiting_grading_until_the_trainer_grades_by_rubric(
    client, enrolled, attempt, spoken, truefalse, audio, trainer, course_tree
):
    response_save(
        learner=enrolled, attempt_id=attempt.pk, question_id=truefalse.pk, data={"value": ["true"]}
    )
    recording = finished_recording(enrolled, attempt, spoken, audio["webm"])
    attempt = attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    assert attempt.state == Attempt.State.AWAITING_GRADING
    assert not ActivityProgress.objects.filter(learner=enrolled, activity__kind="quiz").exists()

    client.force_login(enrolled)
    result = client.get(f"/attempt/{attempt.pk}/result/").content.decode()
    assert "Đang chờ chấm điểm" in result
    assert f"/recording/{recording.pk}/audio/" in result

    client.force_login(trainer)
    listing = client.get("/admin/spoken-answers/").content.decode()
    response = Response.objects.get(question=spoken)
    assert f"/admin/spoken-answers/{response.pk}/" in listing
    screen = client.get(f"/admin/spoken-answers/{response.pk}/").content.decode()
    assert f"/recording/{recording.pk}/audio/" in screen
    assert spoken.reference_audio.url in screen
    assert "Phát âm đúng" in screen and 'name="criterion-1"' in screen
    refused = client.post(
        f"/admin/spoken-answers/{response.pk}/",
        {"criterion-0": "5", "criterion-1": "1", "reason": "Quá điểm"},
    )
    assert refused.status_code == 200 and "phải từ 0 đến 2" in refused.content.decode()
    assert not GradeChange.objects.exists()
    graded = client.post(
        f"/admin/spoken-answers/{response.pk}/",
        {"criterion-0": "2", "criterion-1": "0,5", "reason": "Phát âm rõ, ngữ điệu chưa tự nhiên."},
    )
    assert graded.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert (attempt.score, attempt.max_score) == (3.5, 4)
    change = GradeChange.objects.get()
    assert change.rubric == {"Phát âm đúng": 2.0, "Ngữ điệu": 0.5} and change.changed_by == trainer
    summary = ActivityProgress.objects.get(learner=enrolled, activity__kind="quiz")
    assert summary.passed and summary.status == ActivityProgress.Status.COMPLETED
    assert CourseProgress.objects.get(enrolment__learner=enrolled).required_done == 1
    assert (
        f"/admin/spoken-answers/{response.pk}/"
        not in client.get("/admin/spoken-answers/").content.decode()
    )

    client.force_login(enrolled)
    result = client.get(f"/attempt/{attempt.pk}/result/").content.decode()
    assert "Đang chờ chấm điểm" not in result and "3,50/4" in result and "Đạt" in result


def test_a_trainer_of_another_course_meets_nothing(
    client, enrolled, attempt, spoken, audio, make_trainer
):
    finished_recording(enrolled, attempt, spoken, audio["webm"])
    attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    response = Response.objects.get(question=spoken)
    stranger = make_trainer("stranger")
    build_course(trainer=stranger, title="An toàn thông tin", slug="an-toan")
    client.force_login(stranger)
    assert (
        f"/admin/spoken-answers/{response.pk}/"
        not in client.get("/admin/spoken-answers/").content.decode()
    )
    assert client.get(f"/admin/spoken-answers/{response.pk}/").status_code == 404
    posted = client.post(
        f"/admin/spoken-answers/{response.pk}/",
        {"criterion-0": "2", "criterion-1": "1", "reason": "Không phải lớp của tôi"},
    )
    assert posted.status_code == 404
    response.refresh_from_db()
    assert response.score is None and not GradeChange.objects.exists()
    assert Attempt.objects.get().state == Attempt.State.AWAITING_GRADING


def test_the_learner_hears_the_recording_even_where_the_review_is_hidden(
    client, enrolled, attempt, spoken, audio, quiz
):
    quiz.feedback_shown = quiz.answers_shown = "never"
    quiz.review_after_close = False
    quiz.save()
    recording = finished_recording(enrolled, attempt, spoken, audio["webm"])
    attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    client.force_login(enrolled)
    result = client.get(f"/attempt/{attempt.pk}/result/").content.decode()
    assert "Đang chờ chấm điểm" in result
    assert f"/recording/{recording.pk}/audio/" in result

"""Course packs: a course with its pages, images, documents, recordings (renditions and
subtitles), interactive packages, quizzes and question bank goes into one signed file
and comes back exactly,
on an empty installation or over an older version of itself; a tampered pack is
refused whole."""

import copy
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import connection
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from assessments.tests.factories import bank, make_quiz
from cms.media.storage import media_storage, walk
from cms.models import MediaSubtitle
from cms.tests.media_files import asset_from, generate
from content_packs.course_pack.export import course_pack_describe, course_pack_export
from content_packs.course_pack.load import course_pack_import
from content_packs.packfile import PackError, generate_key_pair, load_private_key, load_public_key
from content_packs.services.packages import package_create
from content_packs.tests.testdata import VALID
from courses.models import ActivityProgress, CoursePage, CourseWorkspace, LessonPage
from courses.services.enrolment import enrolment_create
from courses.services.progress import activity_opened

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


@pytest.fixture
def keys():
    private_pem, public = generate_key_pair()
    return load_private_key(private_pem), load_public_key(public), public


@pytest.fixture
def rich_course(settings, tmp_path, course_tree):
    """The demo course with a picture, a handout, a video with subtitles and an H5P
    exercise in its first lesson, and a link to its second lesson."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    collection = CourseWorkspace.objects.get(course=course_tree.course).collection
    image = get_image_model()(title="Chợ phiên", collection=collection)
    picture = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 120, 40)).save(picture, "PNG")
    image.file.save("cho-phien.png", ImageFile(picture, name="cho-phien.png"))
    document = get_document_model()(title="Bảng từ vựng", collection=collection)
    document.file.save("tu-vung.txt", ContentFile("Slư – chữ\n".encode()))
    clip = generate(tmp_path / "bai-giang.mp4", seconds=3, size="320x180")
    asset = asset_from(clip, "video", collection, process=True)
    subtitle = MediaSubtitle(asset=asset, language="vi", label="Tiếng Việt")
    subtitle.file.save("vi.vtt", ContentFile(b"WEBVTT\n\n00:00.000 --> 00:01.000\nXin chao\n"))
    with (VALID / "H5P.TrueFalse.h5p").open("rb") as source:
        package = package_create(source=source, collection=collection)
    questions = bank(course_tree.course)
    quiz = make_quiz(
        course_tree.course, list(questions.values()), module=course_tree.modules[0], published=True
    )
    lesson, other = course_tree.lessons[0], course_tree.lessons[1]
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "image", "value": {"image": image.pk, "caption": "Chợ", "alt_text": "Chợ phiên"}},
        {"type": "document", "value": {"document": document.pk, "description": "Tải bảng"}},
        {
            "type": "video",
            "value": {"title": "Bài giảng", "video": asset.pk, "transcript": "", "required": True},
        },
        {
            "type": "package",
            "value": {"title": "Đúng sai", "package": package.pk, "required": True},
        },
        {"type": "quiz", "value": {"quiz": quiz.pk, "note": "Làm sau khi học"}},
        {
            "type": "text",
            "value": f'<p>Xem <a linktype="page" id="{other.pk}">bài sau</a> và '
            f'<a linktype="document" id="{document.pk}">bảng</a>.</p>',
        },
    ]
    lesson.save_revision().publish()
    return course_tree


def every_stored_file() -> list[str]:
    storage = media_storage()
    return sorted(name for top in storage.listdir("")[0] for name in walk(storage, top))


def comparable(description: dict) -> dict:
    """What must be equal on both installations: everything but this tree's ids."""
    return json.loads(json.dumps(description, sort_keys=True))


def test_a_course_round_trips_into_an_empty_installation(rich_course, keys, tmp_path):
    private, _public, public_text = keys
    before = course_pack_describe(rich_course.course)
    assert len(before["media"]) == 1 and before["media"][0]["rendition_files"]
    assert len(before["packages"]) == 1 and before["packages"][0]["libraries"]
    assert before["images"] and before["documents"]
    quizzes = [r for r in before["parts"]["quizzes"] if r["type"] == "quiz"]
    assert quizzes and quizzes[0]["slots"], "the quiz and its questions travel"
    pack = tmp_path / "khoa-hoc.lmspack"
    course_pack_export(rich_course.course, str(pack), private_key=private)

    # Another installation: its own database, storage and keys; only the pack crosses.
    other = tmp_path / "other"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{other / 'db.sqlite3'}",
        "PRIVATE_ROOT": str(other / "private"),
        "MEDIA_ROOT": str(other / "media"),
        "CONTENT_PACK_TRUSTED_KEYS": public_text,
    }
    other.mkdir()

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput", "-v0")
    assert "created" in manage("pack_import", str(pack), "-v0")
    after = json.loads(manage("pack_describe", str(rich_course.course.translation_key)))
    assert comparable(after) == comparable(before)


def test_a_tampered_or_untrusted_pack_changes_nothing(rich_course, keys, tmp_path):
    private, public, _text = keys
    pack = tmp_path / "khoa-hoc.lmspack"
    course_pack_export(rich_course.course, str(pack), private_key=private)
    with zipfile.ZipFile(pack) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    biggest = max((n for n in entries if n.startswith("files/")), key=lambda n: len(entries[n]))

    def rebuilt(change) -> Path:
        changed = dict(entries)
        change(changed)
        target = tmp_path / f"changed-{len(list(tmp_path.iterdir()))}.lmspack"
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in changed.items():
                archive.writestr(name, data)
        return target

    flipped = bytearray(entries[biggest])
    flipped[len(flipped) // 2] ^= 0x01
    cases = {
        "one byte changed": rebuilt(lambda e: e.__setitem__(biggest, bytes(flipped))),
        "a file removed": rebuilt(lambda e: e.pop(biggest)),
        "manifest edited": rebuilt(
            lambda e: e.__setitem__(
                "manifest.json", e["manifest.json"].replace(b"Ti\xe1\xba\xbfng", b"Tieng")
            )
        ),
    }
    other_private, _ = generate_key_pair()
    untrusted = tmp_path / "untrusted.lmspack"
    course_pack_export(
        rich_course.course, str(untrusted), private_key=load_private_key(other_private)
    )
    cases["signed by an unknown key"] = untrusted

    pages, stored = LessonPage.objects.count(), every_stored_file()
    CoursePage.objects.filter(pk=rich_course.course.pk).update(title="Đổi tên trước khi nhập")
    for case, path in cases.items():
        with pytest.raises(PackError):
            course_pack_import(str(path), trusted_keys=[public])
        assert LessonPage.objects.count() == pages, case
        assert CoursePage.objects.get(pk=rich_course.course.pk).title == "Đổi tên trước khi nhập"
        assert every_stored_file() == stored, case


def test_a_newer_pack_updates_the_course_in_place_and_keeps_progress(
    rich_course, keys, tmp_path, learner
):
    private, public, _text = keys
    course = rich_course.course
    lesson = rich_course.lessons[0]
    enrolment_create(learner=learner, course=course)
    activity = lesson.activity if hasattr(lesson, "activity") else None
    from courses.models import Activity

    activity = Activity.objects.get(page_id=lesson.pk)
    activity_opened(learner=learner, activity_id=activity.pk)

    # The author's installation edits the course and makes a new version of the pack.
    first = tmp_path / "v1.lmspack"
    course_pack_export(course, str(first), private_key=private)
    lesson = LessonPage.objects.get(pk=lesson.pk)
    lesson.title = "Bài 1 (sửa lại)"
    lesson.save_revision().publish()
    second = tmp_path / "v2.lmspack"
    course_pack_export(course, str(second), private_key=private)
    # Back to version 1 here, as if this installation had imported it earlier.
    course_pack_import(str(first), trusted_keys=[public])
    assert LessonPage.objects.get(pk=lesson.pk).title != "Bài 1 (sửa lại)"

    pages = LessonPage.objects.count()
    result = course_pack_import(str(second), trusted_keys=[public])
    assert result.created is False and result.course.pk == course.pk
    assert LessonPage.objects.count() == pages, "updated in place, nothing duplicated"
    assert LessonPage.objects.get(pk=lesson.pk).title == "Bài 1 (sửa lại)"
    assert Activity.objects.get(page_id=lesson.pk).pk == activity.pk
    summary = ActivityProgress.objects.get(learner=learner, activity=activity)
    assert summary.opened_at is not None, "the learner's progress stays"
    assert connection.in_atomic_block  # the test's own transaction, nothing left open


def test_html_from_a_pack_is_cleaned_as_the_editor_would(rich_course, keys, tmp_path):
    private, public, _text = keys
    lesson = LessonPage.objects.get(pk=rich_course.lessons[1].pk)
    lesson.body = [
        {
            "type": "text",
            "value": '<p onclick="steal()">Chào<script>alert(1)</script> '
            '<a href="javascript:alert(2)">bấm</a></p>',
        }
    ]
    lesson.save_revision().publish()
    pack = tmp_path / "khoa-hoc.lmspack"
    course_pack_export(rich_course.course, str(pack), private_key=private)
    course_pack_import(str(pack), trusted_keys=[public])
    html = LessonPage.objects.get(pk=lesson.pk).body.raw_data[0]["value"]
    assert "Chào" in html and "bấm" in html
    assert "script" not in html and "onclick" not in html and "javascript:" not in html


def test_a_pack_never_takes_over_another_courses_pages(rich_course, keys, tmp_path):
    private, public, _text = keys
    pack = tmp_path / "khoa-hoc.lmspack"
    course_pack_export(rich_course.course, str(pack), private_key=private)
    # The same pages now belong to a course this pack does not name.
    CoursePage.objects.filter(pk=rich_course.course.pk).update(translation_key=uuid.uuid4())
    lessons, stored = LessonPage.objects.count(), every_stored_file()
    with pytest.raises(PackError, match="khóa học khác"):
        course_pack_import(str(pack), trusted_keys=[public])
    assert LessonPage.objects.count() == lessons and every_stored_file() == stored
    assert CoursePage.objects.count() == 1


def resigned(source: Path, target: Path, private, change) -> Path:
    """The pack at ``source`` with its manifest changed by ``change`` and signed again:
    what a trusted installation could send, hostile or broken."""
    from content_packs.packfile import PackReader, PackWriter

    with PackReader(str(source), [private.public_key()]) as reader:
        manifest = copy.deepcopy(reader.manifest)
        with PackWriter(str(target), private) as writer:
            for digest in reader.files:
                writer.add_file(lambda d=digest: reader.open_file(d))
            change(manifest)
            for owned in ("format", "format_version", "files"):
                manifest.pop(owned)
            writer.finish(manifest)
    return target


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["media"][0].__setitem__("name", "../../thoat-ra.mp4"),
        lambda m: m["media"][0].__setitem__("name", f"sources/{uuid.uuid4()}/khac.mp4"),
        lambda m: m["media"][0]["rendition_files"].__setitem__("../../x.ts", m["media"][0]["file"]),
        lambda m: m["packages"][0]["files"].__setitem__(
            "../other/h5p.json", m["packages"][0]["files"]["h5p.json"]
        ),
        lambda m: m["packages"][0].__setitem__("kind", "flash"),
    ],
    ids=[
        "media escapes",
        "another recording's folder",
        "rendition escapes",
        "package escapes",
        "unknown kind",
    ],
)
def test_a_signed_pack_cannot_write_outside_its_own_folders(rich_course, keys, tmp_path, change):
    private, public, _text = keys
    pack = tmp_path / "khoa-hoc.lmspack"
    course_pack_export(rich_course.course, str(pack), private_key=private)
    hostile = resigned(pack, tmp_path / "hostile.lmspack", private, change)
    stored = every_stored_file()
    CoursePage.objects.filter(pk=rich_course.course.pk).update(title="Trước khi nhập")
    with pytest.raises(PackError):
        course_pack_import(str(hostile), trusted_keys=[public])
    assert every_stored_file() == stored
    assert CoursePage.objects.get(pk=rich_course.course.pk).title == "Trước khi nhập"

"""Course packs from the admin: who may export and import, the job a worker runs and its
progress, the download of an exported pack, and a refused import that changes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from content_packs.models import PackJob, TrustedPackKey
from content_packs.packfile import generate_key_pair
from content_packs.services.jobs import (
    pack_export_run,
    pack_exports_discard_old,
    pack_import_run,
    packs_folder,
)
from courses.models import CoursePage, LessonPage
from tests.factories import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("quantri", password="Mat-khau-2025")


def start_export(client, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = client.post(reverse("content_packs_admin:export", args=[course.pk]))
    return answer, queued


def test_a_trainer_exports_their_course_and_downloads_the_pack(
    client, trainer, course_tree, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    assert (
        client.get(reverse("content_packs_admin:export", args=[course_tree.course.pk])).status_code
        == 200
    )
    answer, queued = start_export(client, course_tree.course, django_capture_on_commit_callbacks)
    job = PackJob.objects.get()
    assert answer.status_code == 302 and str(job.pk) in answer["Location"]
    assert len(queued) == 1, "the work is handed to a worker"
    status = client.get(reverse("content_packs_admin:status", args=[job.pk])).json()
    assert status["status"] == "queued"

    pack_export_run(job_id=job.pk)
    status = client.get(reverse("content_packs_admin:status", args=[job.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download"]
    pack = client.get(status["download"])
    assert pack.status_code == 200
    assert b"".join(pack.streaming_content)[:2] == b"PK"


def test_other_people_cannot_export_a_course_nor_see_its_jobs(
    client, make_trainer, learner, course_tree, django_capture_on_commit_callbacks
):
    stranger = make_trainer("giang-vien-khac")
    build_course(trainer=stranger, title="Tin học", slug="tin-hoc")
    client.force_login(stranger)
    url = reverse("content_packs_admin:export", args=[course_tree.course.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not PackJob.objects.exists()
    client.force_login(learner)
    assert client.post(url).status_code in (302, 403, 404)
    assert not PackJob.objects.exists()

    client.force_login(course_tree.course.trainers.first())
    start_export(client, course_tree.course, django_capture_on_commit_callbacks)
    job = PackJob.objects.get()
    pack_export_run(job_id=job.pk)
    client.force_login(stranger)
    assert client.get(reverse("content_packs_admin:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("content_packs_admin:download", args=[job.pk])).status_code == 404


def exported(client, course, trainer, capture) -> bytes:
    client.force_login(trainer)
    start_export(client, course, capture)
    job = PackJob.objects.filter(kind=PackJob.Kind.EXPORT).latest("created_at")
    pack_export_run(job_id=job.pk)
    job.refresh_from_db()
    return (packs_folder() / job.file).read_bytes()


def test_an_admin_imports_a_pack_and_only_admins_may(
    client, admin, trainer, course_tree, django_capture_on_commit_callbacks
):
    data = exported(client, course_tree.course, trainer, django_capture_on_commit_callbacks)
    upload = {"pack": SimpleUploadedFile("khoa-hoc.lmspack", data)}
    assert client.post(reverse("content_packs_admin:index"), upload).status_code == 404
    assert not PackJob.objects.filter(kind=PackJob.Kind.IMPORT).exists()

    client.force_login(admin)
    page = client.get(reverse("content_packs_admin:index"))
    assert page.status_code == 200 and "ed25519:" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            reverse("content_packs_admin:index"),
            {"pack": SimpleUploadedFile("khoa-hoc.lmspack", data)},
        )
    job = PackJob.objects.get(kind=PackJob.Kind.IMPORT)
    assert answer.status_code == 302 and job.total_bytes == len(data)
    pack_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == PackJob.Status.DONE, job.message
    assert job.course_id == course_tree.course.pk, "the same course, updated in place"
    assert not (packs_folder() / job.file).exists(), "the upload is not kept"
    status = client.get(reverse("content_packs_admin:status", args=[job.pk])).json()
    assert status["course"]


def test_a_pack_from_an_unknown_installation_is_refused_until_its_key_is_trusted(
    client, admin, trainer, course_tree, django_capture_on_commit_callbacks, settings, tmp_path
):
    data = exported(client, course_tree.course, trainer, django_capture_on_commit_callbacks)
    # This installation gets a new signing key: the pack now comes "from elsewhere".
    (packs_folder().parent / "pack-signing-key.pem").unlink()
    CoursePage.objects.filter(pk=course_tree.course.pk).update(title="Tên ở đây")
    lessons = LessonPage.objects.count()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("content_packs_admin:index"), {"pack": SimpleUploadedFile("p.lmspack", data)}
        )
    job = PackJob.objects.get(kind=PackJob.Kind.IMPORT)
    pack_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == PackJob.Status.FAILED and "không được tin cậy" in job.message
    assert CoursePage.objects.get(pk=course_tree.course.pk).title == "Tên ở đây"
    assert LessonPage.objects.count() == lessons


def test_trusted_keys_are_checked_when_an_admin_adds_one(client, admin):
    client.force_login(admin)
    bad = client.post(
        reverse("trusted_pack_keys:add"), {"name": "Tỉnh bạn", "public_key": "ed25519:abc"}
    )
    assert bad.status_code == 200 and not TrustedPackKey.objects.exists()
    _private, public = generate_key_pair()
    good = client.post(reverse("trusted_pack_keys:add"), {"name": "Tỉnh bạn", "public_key": public})
    assert good.status_code == 302
    assert TrustedPackKey.objects.get().key_id


def test_exports_nobody_fetched_are_removed_after_two_days(
    client, trainer, course_tree, django_capture_on_commit_callbacks
):
    exported(client, course_tree.course, trainer, django_capture_on_commit_callbacks)
    job = PackJob.objects.get()
    assert pack_exports_discard_old() == 0
    PackJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert pack_exports_discard_old() == 1
    assert not list(packs_folder().glob("*.lmspack"))
    assert client.get(reverse("content_packs_admin:download", args=[job.pk])).status_code == 404


def test_an_unexpected_failure_ends_the_job_as_failed(
    client, admin, trainer, course_tree, django_capture_on_commit_callbacks, monkeypatch
):
    from content_packs.services import jobs

    data = exported(client, course_tree.course, trainer, django_capture_on_commit_callbacks)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("content_packs_admin:index"), {"pack": SimpleUploadedFile("p.lmspack", data)}
        )
    job = PackJob.objects.get(kind=PackJob.Kind.IMPORT)

    def broken(*args, **kwargs):
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(jobs, "course_pack_import", broken)
    pack_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == PackJob.Status.FAILED and "disk vanished" not in job.message
    assert not (packs_folder() / job.file).exists()

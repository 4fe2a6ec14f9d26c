"""Packages in the Wagtail admin: a trainer uploads into the courses they teach and sees,
chooses, edits and deletes only those; a refused upload says why and keeps nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.media.storage import media_storage, walk
from content_packs.models import Package
from content_packs.services.packages import h5p_package_create
from content_packs.tests.testdata import H5P
from courses.models import CourseWorkspace
from tests.factories import build_course

TESTDATA = H5P

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def foreign(make_trainer):
    """Another trainer's course, with a package of its own."""
    other = make_trainer("other-trainer")
    tree = build_course(trainer=other, title="Tin học cơ bản", slug="tin-hoc")
    collection = CourseWorkspace.objects.get(course=tree.course).collection
    with (TESTDATA / "valid" / "H5P.Accordion.h5p").open("rb") as source:
        package = h5p_package_create(source=source, collection=collection)
    return other, package


def collection_of(course_tree):
    return CourseWorkspace.objects.get(course=course_tree.course).collection


def upload(client, collection, name, folder="valid", **extra):
    with (TESTDATA / folder / name).open("rb") as handle:
        data = handle.read()
    return client.post(
        reverse("packages:add"),
        {
            "file": SimpleUploadedFile(name, data, "application/zip"),
            "collection": collection.pk,
            "title": extra.get("title", ""),
        },
    )


def test_a_trainer_uploads_a_package_into_their_course(client, trainer, course_tree):
    client.force_login(trainer)
    form = client.get(reverse("packages:add"))
    assert form.status_code == 200
    # Their only course is already chosen.
    assert form.context["form"].fields["collection"].initial == collection_of(course_tree).pk
    answer = upload(client, collection_of(course_tree), "H5P.MultiChoice.h5p", title="Câu hỏi 1")
    assert answer.status_code == 302
    package = Package.objects.get()
    assert package.title == "Câu hỏi 1" and package.uploaded_by == trainer
    assert package.collection == collection_of(course_tree)
    listing = client.get(reverse("packages:index"))
    assert "Câu hỏi 1" in listing.content.decode()


def test_a_refused_upload_shows_the_reason_and_keeps_nothing(client, trainer, course_tree):
    client.force_login(trainer)
    answer = upload(client, collection_of(course_tree), "missing-preloaded-js.h5p", "invalid")
    assert answer.status_code == 200
    assert "greetingcard.js" in answer.content.decode()
    assert Package.objects.count() == 0
    assert list(walk(media_storage(), "packages")) == []


def test_a_trainer_cannot_upload_into_another_course(client, trainer, course_tree, foreign):
    _other, package = foreign
    client.force_login(trainer)
    answer = upload(client, package.collection, "H5P.TrueFalse.h5p")
    assert answer.status_code == 200 and Package.objects.count() == 1
    assert "collection" in answer.context["form"].errors


def test_another_courses_packages_are_out_of_reach(client, trainer, course_tree, foreign):
    _other, package = foreign
    client.force_login(trainer)
    assert package.title not in client.get(reverse("packages:index")).content.decode()
    assert client.get(reverse("packages:edit", args=[package.pk])).status_code in (302, 403, 404)
    changed = client.post(
        reverse("packages:edit", args=[package.pk]), {"title": "Đổi tên", "scored": "on"}
    )
    assert changed.status_code in (302, 403, 404)
    deleted = client.post(reverse("packages:delete", args=[package.pk]))
    assert deleted.status_code in (302, 403, 404)
    package.refresh_from_db()
    assert package.title != "Đổi tên" and package.scored is False
    chooser = client.get(reverse("package_chooser:choose"))
    assert chooser.status_code == 200
    assert package.title not in chooser.json()["html"]


def test_the_owning_trainer_corrects_the_pass_mark_and_deletes(
    client, course_tree, foreign, django_capture_on_commit_callbacks
):
    other, package = foreign
    client.force_login(other)
    assert package.title in client.get(reverse("package_chooser:choose")).json()["html"]
    edited = client.post(
        reverse("packages:edit", args=[package.pk]),
        {"title": "Ôn tập", "scored": "on", "pass_percent": "70"},
    )
    assert edited.status_code == 302
    package.refresh_from_db()
    assert (package.title, package.scored, package.pass_percent) == ("Ôn tập", True, 70)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("packages:delete", args=[package.pk])).status_code == 302
    assert not Package.objects.filter(pk=package.pk).exists()
    assert not any(package.storage_prefix in name for name in walk(media_storage(), "packages"))


def test_a_pass_mark_outside_0_to_100_is_refused(client, course_tree, foreign):
    other, package = foreign
    client.force_login(other)
    answer = client.post(
        reverse("packages:edit", args=[package.pk]),
        {"title": "Ôn tập", "scored": "on", "pass_percent": "500"},
    )
    assert answer.status_code == 200
    package.refresh_from_db()
    assert package.pass_percent is None and package.title != "Ôn tập"

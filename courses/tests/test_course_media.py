"""A course's media: its trainers see and choose only their courses' collections, and its
files (documents, audio, video) go only to its enrolled learners and its trainers."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from courses.models import CoursePage, CourseWorkspace, Enrolment
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from tests.factories import build_course

Document = get_document_model()
Image = get_image_model()
AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64  # an MP3's first bytes


def collection_of(course: CoursePage) -> Collection:
    return CourseWorkspace.objects.get(course=course).collection


def document_in(collection: Collection, title: str, name: str = "phat-am.mp3") -> Document:
    document = Document(title=title, collection=collection)
    document.file.save(name, ContentFile(AUDIO), save=False)
    document.save()
    return document


def image_in(collection: Collection, title: str) -> Image:
    return Image.objects.create(
        title=title, collection=collection, file=get_test_image_file(f"{title}.png")
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def courses(trainer, make_trainer):
    mine = build_course(trainer=trainer)
    other = build_course(title="Khóa của người khác", slug="khac", trainer=make_trainer("rival"))
    return mine, other


@pytest.fixture
def media(courses):
    mine, other = courses
    return {
        "my_image": image_in(collection_of(mine.course), "anh-cua-toi"),
        "other_image": image_in(collection_of(other.course), "anh-khoa-khac"),
        "my_document": document_in(collection_of(mine.course), "Phát âm của tôi"),
        "other_document": document_in(collection_of(other.course), "Phát âm khóa khác"),
    }


# --- the admin: choosing and listing -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/admin/images/", "/admin/images/chooser/", "/admin/documents/", "/admin/documents/chooser/"],
)
def test_trainer_lists_and_chooses_only_their_courses_media(client, trainer, media, url):
    client.force_login(trainer)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    if "chooser" in url:
        html = response.json()["html"]
    kind = "image" if "images" in url else "document"
    assert media[f"my_{kind}"].title in html
    assert media[f"other_{kind}"].title not in html


def test_trainer_uploads_only_into_their_courses_collections(client, trainer, courses, media):
    mine, other = courses
    client.force_login(trainer)
    for url in ("/admin/images/add/", "/admin/documents/add/"):
        form = client.get(url).context["form"]
        # With one collection to upload into, Wagtail does not even ask.
        choices = form.fields["collection"].queryset if "collection" in form.fields else []
        assert set(choices) <= {collection_of(mine.course)}

    client.post(
        "/admin/documents/add/",
        {
            "title": "Gửi vào khóa khác",
            "collection": collection_of(other.course).pk,
            "file": ContentFile(AUDIO, name="gui-nham.mp3"),
        },
    )
    assert (
        not Document.objects.filter(collection=collection_of(other.course))
        .exclude(pk=media["other_document"].pk)
        .exists()
    )


def test_trainers_upload_images_and_documents_for_their_lessons(client, trainer, courses):
    from django.core.files.uploadedfile import SimpleUploadedFile

    mine, _ = courses
    client.force_login(trainer)
    for url in ("/admin/images/multiple/add/", "/admin/documents/multiple/add/"):
        assert client.get(url).status_code == 200, f"{url} refused the trainer"

    png = get_test_image_file().file.getvalue()
    image = SimpleUploadedFile("cay-hoi.png", png, content_type="image/png")
    response = client.post("/admin/images/multiple/add/", {"files[]": image})
    assert response.json()["success"], response.json()
    leaflet = SimpleUploadedFile("huong-dan.txt", "Hướng dẫn phơi hồi".encode(), "text/plain")
    response = client.post("/admin/documents/multiple/add/", {"files[]": leaflet})
    assert response.json()["success"], response.json()
    greeting = SimpleUploadedFile("chao-hoi.mp3", AUDIO, "audio/mpeg")
    response = client.post("/admin/documents/multiple/add/", {"files[]": greeting})
    assert response.json()["success"], "lesson audio is a document too"
    page = SimpleUploadedFile("bai.html", b"<script>alert(1)</script>", "text/html")
    response = client.post("/admin/documents/multiple/add/", {"files[]": page})
    assert not response.json()["success"], "a web page is not a lesson document"

    image = Image.objects.get()
    assert (image.uploaded_by_user, image.collection) == (trainer, collection_of(mine.course))
    documents = Document.objects.order_by("pk")
    assert [d.filename for d in documents] == ["huong-dan.txt", "chao-hoi.mp3"]
    assert {(d.uploaded_by_user, d.collection) for d in documents} == {
        (trainer, collection_of(mine.course))
    }


def test_trainer_cannot_open_or_choose_another_courses_media(client, trainer, media):
    client.force_login(trainer)
    other_image, other_document = media["other_image"], media["other_document"]
    for url in (
        f"/admin/images/{other_image.pk}/",
        f"/admin/images/{other_image.pk}/delete/",
        f"/admin/documents/edit/{other_document.pk}/",
        f"/admin/documents/delete/{other_document.pk}/",
    ):
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
    assert client.get(f"/admin/images/{media['my_image'].pk}/").status_code == 200
    assert client.get(f"/admin/documents/edit/{media['my_document'].pk}/").status_code == 200


def test_a_new_course_gets_its_collection_and_the_trainers_group_none_of_its_own(courses):
    mine, _ = courses
    assert collection_of(mine.course).get_parent() == Collection.get_first_root_node()
    from wagtail.models import GroupCollectionPermission

    from lms.roles import TRAINERS_GROUP

    assert not GroupCollectionPermission.objects.filter(group__name=TRAINERS_GROUP).exists()


# --- serving: /documents/<id>/<name> -----------------------------------------------------


def _download(client, document):
    return client.get(document.url)


@pytest.fixture
def people(courses, make_learner, trainer):
    mine, other = courses
    enrolled = make_learner("hv.cua.toi")
    enrolment_create(learner=enrolled, course=mine.course)
    elsewhere = make_learner("hv.khoa.khac")
    enrolment_create(learner=elsewhere, course=other.course)
    withdrawn = make_learner("hv.da.rut")
    enrolment_withdraw(enrolment=enrolment_create(learner=withdrawn, course=mine.course))
    admin = get_user_model().objects.create_superuser("quantri", password="Mat-khau-2025")
    return {
        "enrolled": enrolled,
        "elsewhere": elsewhere,
        "withdrawn": withdrawn,
        "trainer": trainer,
        "rival": get_user_model().objects.get(username="rival"),
        "admin": admin,
    }


def test_documents_are_served_by_the_checking_view_not_as_media_files(media):
    assert media["my_document"].url == (
        f"/documents/{media['my_document'].pk}/{media['my_document'].filename}"
    )


@pytest.mark.parametrize(
    ("who", "served"),
    [
        (None, False),
        ("elsewhere", False),
        ("withdrawn", False),
        ("rival", False),
        ("enrolled", True),
        ("trainer", True),
        ("admin", True),
    ],
)
def test_a_courses_files_go_to_its_learners_and_trainers_only(client, media, people, who, served):
    if who is not None:
        client.force_login(people[who])
    response = _download(client, media["my_document"])
    if served:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == AUDIO
    else:
        # Exactly what a document that does not exist answers.
        missing = client.get("/documents/999999/khong-co.mp3")
        assert response.status_code == missing.status_code == 404


def test_withdrawing_ends_access_and_enrolling_again_restores_it(client, media, people):
    client.force_login(people["enrolled"])
    assert _download(client, media["my_document"]).status_code == 200
    enrolment = Enrolment.objects.get(learner=people["enrolled"])
    enrolment_withdraw(enrolment=enrolment)
    assert _download(client, media["my_document"]).status_code == 404


def test_files_outside_every_course_stay_public(client, db):
    library = document_in(Collection.get_first_root_node(), "Thư viện", name="thu-vien.pdf")
    assert _download(client, library).status_code == 200


def test_a_deleted_courses_files_go_to_admins_only(client, courses, media, people):
    mine, _ = courses
    document = media["my_document"]
    CoursePage.objects.get(pk=mine.course.pk).delete()
    client.force_login(people["trainer"])
    assert _download(client, document).status_code == 404
    client.force_login(people["admin"])
    assert _download(client, document).status_code == 200


def test_a_sub_collection_inside_a_course_is_the_courses_too(client, courses, people):
    mine, _ = courses
    inner = collection_of(mine.course).add_child(name="Âm thanh")
    document = document_in(inner, "Bài hát")
    assert _download(client, document).status_code == 404
    client.force_login(people["enrolled"])
    assert _download(client, document).status_code == 200

import io

import pytest
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_trainers_upload_images_and_documents_for_their_lessons(
    client, trainer, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(trainer)
    for url in ("/admin/images/multiple/add/", "/admin/documents/multiple/add/"):
        assert client.get(url).status_code == 200, f"{url} refused the trainer"

    image = SimpleUploadedFile("cay-hoi.png", png_bytes(), content_type="image/png")
    response = client.post("/admin/images/multiple/add/", {"files[]": image})
    assert response.json()["success"], response.json()
    leaflet = SimpleUploadedFile("huong-dan.txt", "Hướng dẫn phơi hồi".encode(), "text/plain")
    response = client.post("/admin/documents/multiple/add/", {"files[]": leaflet})
    assert response.json()["success"], response.json()
    greeting = SimpleUploadedFile("chao-hoi.mp3", b"ID3\x04" + b"\x00" * 64, "audio/mpeg")
    response = client.post("/admin/documents/multiple/add/", {"files[]": greeting})
    assert response.json()["success"], "lesson audio is a document too"
    page = SimpleUploadedFile("bai.html", b"<script>alert(1)</script>", "text/html")
    response = client.post("/admin/documents/multiple/add/", {"files[]": page})
    assert not response.json()["success"], "a web page is not a lesson document"

    assert get_image_model().objects.get().uploaded_by_user == trainer
    documents = get_document_model().objects.order_by("pk")
    assert [d.filename for d in documents] == ["huong-dan.txt", "chao-hoi.mp3"]
    assert {d.uploaded_by_user for d in documents} == {trainer}


@pytest.mark.django_db
def test_learners_upload_nothing(client, learner):
    client.force_login(learner)
    response = client.get("/admin/images/multiple/add/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

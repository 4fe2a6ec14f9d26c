"""Slides: the host's PDF becomes page images that only the session's people can see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from live.models import LiveSession, RoomEvent, SlideDeck
from live.services import slides
from live.services.slides import deck_render

from .slides import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return tmp_path


def upload(client, session, file):
    return client.post(f"/live/{session.pk}/slides/", {"pdf": file}, follow=True)


def files_under(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_pdf_becomes_pages_the_room_follows(
    client, session, trainer, enrolled, other_learner, private_root
):
    client.force_login(trainer)
    upload(client, session, make_pdf(3))
    deck = SlideDeck.objects.get()
    assert deck.status == SlideDeck.Status.PENDING
    deck_render(deck.pk)
    deck.refresh_from_db()
    assert (deck.status, deck.pages) == (SlideDeck.Status.READY, 3)
    assert files_under(private_root) == ["1.jpg", "2.jpg", "3.jpg"], "the PDF itself is not kept"
    session.refresh_from_db()
    assert session.slide_deck == deck and session.slide_page == 1
    assert RoomEvent.objects.filter(type="slides.ready", payload__pages=3).exists()
    page = client.get(f"/live/{session.pk}/slides/{deck.pk}/2.jpg")
    assert page.status_code == 200 and page["Content-Type"] == "image/jpeg"
    assert b"".join(page.streaming_content)[:3] == b"\xff\xd8\xff"
    client.force_login(enrolled)
    assert client.get(f"/live/{session.pk}/slides/{deck.pk}/1.jpg").status_code == 200
    assert client.get(f"/live/{session.pk}/slides/{deck.pk}/4.jpg").status_code == 404
    client.force_login(other_learner)
    assert client.get(f"/live/{session.pk}/slides/{deck.pk}/1.jpg").status_code == 404
    client.logout()
    assert client.get(f"/live/{session.pk}/slides/{deck.pk}/1.jpg").status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a pdf at all", "bai.pdf", "không phải PDF"),
        (b"<html><script>alert(1)</script>", "bai.pdf", "không phải PDF"),
        (b"", "rong.pdf", "không phải PDF"),
    ],
)
def test_files_that_are_not_pdfs_are_refused_and_nothing_is_kept(
    client, session, trainer, private_root, content, name, message
):
    client.force_login(trainer)
    response = upload(client, session, SimpleUploadedFile(name, content))
    assert message in response.content.decode()
    assert not SlideDeck.objects.exists() and files_under(private_root) == []


def test_a_broken_pdf_fails_with_its_reason_and_leaves_no_files(session, trainer, private_root):
    deck = slides.deck_upload(
        session, SimpleUploadedFile("hong.pdf", b"%PDF-1.7\n garbage without objects"), user=trainer
    )
    deck_render(deck.pk)
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.FAILED and "PDF" in deck.error
    assert files_under(private_root) == []
    assert not RoomEvent.objects.filter(type="slides.ready").exists()
    assert LiveSession.objects.get().slide_deck is None


def test_too_many_pages_or_bytes_are_refused(session, trainer, private_root, monkeypatch):
    monkeypatch.setattr(slides, "MAX_PAGES", 2)
    deck = slides.deck_upload(session, make_pdf(3), user=trainer)
    deck_render(deck.pk)
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.FAILED and "tối đa 2" in deck.error
    assert files_under(private_root) == []
    monkeypatch.setattr(slides, "MAX_PDF_BYTES", 100)
    with pytest.raises(slides.ServiceError) as caught:
        slides.deck_upload(session, make_pdf(1), user=trainer)
    assert caught.value.code == "too_large"
    assert SlideDeck.objects.count() == 1


def test_rendering_twice_changes_nothing(session, trainer):
    deck = slides.deck_upload(session, make_pdf(2), user=trainer)
    deck_render(deck.pk)
    deck_render(deck.pk)
    assert RoomEvent.objects.filter(type="slides.ready").count() == 1


def test_learners_cannot_upload_slides(client, session, enrolled, private_root):
    client.force_login(enrolled)
    response = client.post(f"/live/{session.pk}/slides/", {"pdf": make_pdf(1)})
    assert response.status_code == 404
    assert not SlideDeck.objects.exists() and files_under(private_root) == []

"""Slides: the host uploads a PDF, a background task renders its pages to images with
poppler (pdfinfo, pdftoppm), and the room follows the page the host shows.

Files are private (under PRIVATE_ROOT): slides are served to the session's
participants only. A deck that fails leaves no files behind, and the reason on the
deck for the host to read.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from ..models import LiveSession, SlideDeck
from .events import room_event_append
from .room import Actor, int_param, require_host

MAX_PDF_BYTES = 30 * 1024 * 1024
MAX_PAGES = 200
# A phone screen's width is plenty; JPEG keeps a page to tens of kilobytes.
PAGE_WIDTH = 1280
RENDER_TIMEOUT = 180


def slides_root() -> Path:
    return Path(settings.PRIVATE_ROOT) / "live" / "slides"


def deck_folder(deck: SlideDeck) -> Path:
    return slides_root() / str(deck.session_id) / str(deck.pk)


def page_file(deck: SlideDeck, page: int) -> Path:
    return deck_folder(deck) / f"{page}.jpg"


def deck_upload(session: LiveSession, upload: UploadedFile, *, user) -> SlideDeck:
    """Keep the PDF and queue its rendering. Refused before anything is stored when it
    is too large or is not a PDF at all."""
    if session.ended_at is not None:
        raise ServiceError(_("Buổi học đã kết thúc."), code="ended")
    if upload.size is None or upload.size > MAX_PDF_BYTES:
        raise ServiceError(
            _("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": MAX_PDF_BYTES // (1024 * 1024)},
            code="too_large",
        )
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ServiceError(_("Tệp không phải PDF."), code="not_pdf")
    title = Path(upload.name or "slides.pdf").stem[:200] or "slides"
    with transaction.atomic():
        deck = SlideDeck.objects.create(session=session, title=title, path="", uploaded_by=user)
        folder = deck_folder(deck)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "source.pdf"
        try:
            with source.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            deck.path = str(source.relative_to(settings.PRIVATE_ROOT))
            deck.save(update_fields=["path"])
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

        def queue() -> None:
            from ..tasks import deck_render_task

            deck_render_task.delay(deck.pk)

        transaction.on_commit(queue)
    return deck


def _page_count(pdf: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30, check=False
    )
    if info.returncode != 0:
        raise ServiceError(_("Không đọc được tệp PDF (tệp hỏng hoặc có mật khẩu)."), code="bad_pdf")
    for line in info.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1])
    raise ServiceError(_("Không đọc được số trang của tệp PDF."), code="bad_pdf")


def deck_render(deck_id: int) -> SlideDeck | None:
    """Render every page, then show the deck in the room. Safe to run twice: a deck
    already rendered is left as it is; pages go to a scratch folder first, so a run
    that dies half-way leaves nothing the room could show."""
    deck = SlideDeck.objects.filter(pk=deck_id).first()
    if deck is None or deck.status != SlideDeck.Status.PENDING:
        return deck
    folder = deck_folder(deck)
    source = folder / "source.pdf"
    try:
        pages = _page_count(source)
        if not 1 <= pages <= MAX_PAGES:
            raise ServiceError(
                _("Tệp có %(n)s trang; tối đa %(max)s.") % {"n": pages, "max": MAX_PAGES},
                code="too_many_pages",
            )
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            done = subprocess.run(
                [
                    "pdftoppm",
                    "-jpeg",
                    "-jpegopt",
                    "quality=75",
                    "-scale-to-x",
                    str(PAGE_WIDTH),
                    "-scale-to-y",
                    "-1",
                    str(source),
                    str(Path(scratch) / "p"),
                ],
                capture_output=True,
                timeout=RENDER_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise ServiceError(_("Không chuyển được tệp PDF thành ảnh."), code="bad_pdf")
            rendered = sorted(
                Path(scratch).glob("p-*.jpg"), key=lambda p: int(p.stem.split("-")[-1])
            )
            if len(rendered) != pages:
                raise ServiceError(_("Không chuyển được tệp PDF thành ảnh."), code="bad_pdf")
            for number, image in enumerate(rendered, start=1):
                image.replace(page_file(deck, number))
    except (ServiceError, subprocess.TimeoutExpired) as error:
        message = error.message if isinstance(error, ServiceError) else _("Tệp PDF xử lý quá lâu.")
        shutil.rmtree(folder, ignore_errors=True)
        SlideDeck.objects.filter(pk=deck.pk).update(
            status=SlideDeck.Status.FAILED, error=message, path=""
        )
        return SlideDeck.objects.get(pk=deck.pk)
    source.unlink(missing_ok=True)
    with transaction.atomic():
        deck.status, deck.pages = SlideDeck.Status.READY, pages
        deck.save(update_fields=["status", "pages"])
        LiveSession.objects.filter(pk=deck.session_id).update(slide_deck=deck, slide_page=1)
        room_event_append(deck.session_id, "slides.ready", {"deck": deck.pk, "pages": pages})
    return deck


def deck_delete_files(deck: SlideDeck) -> None:
    shutil.rmtree(deck_folder(deck), ignore_errors=True)


def slides_page_set(session_id: int, actor: Actor, page: Any) -> None:
    require_host(actor)
    page = int_param(page, "trang")
    with transaction.atomic():
        session = (
            LiveSession.objects.select_for_update(of=("self",))
            .select_related("slide_deck")
            .get(pk=session_id)
        )
        deck = session.slide_deck
        if deck is None:
            raise ServiceError(_("Chưa có bài trình chiếu."), code="no_slides")
        if not 1 <= page <= deck.pages:
            raise ServiceError(_("Không có trang này."), code="invalid")
        if page == session.slide_page:
            return
        session.slide_page = page
        session.save(update_fields=["slide_page"])
        room_event_append(session_id, "slides.page", {"page": page}, actor_id=actor.user_id)

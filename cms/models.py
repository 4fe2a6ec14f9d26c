import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtailmedia.models import AbstractMedia

from lms.languages import Language

from .media.storage import media_field_storage
from .slugs import slugify_vi


class HomePage(Page):
    intro = RichTextField(_("lời giới thiệu"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1

    class Meta:
        verbose_name = _("trang chủ")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The sections below home (catalogue, then its programs) are listed as generic
        # pages: cms sits below courses and does not know its page types.
        sections = self.get_children().live().public().specific()
        context["sections"] = [
            (section, section.get_children().live().public().specific()) for section in sections
        ]
        return context


def _source_path(asset: "MediaAsset", filename: str) -> str:
    # The original name is the trainer's and may hold anything; the stored name is ours.
    extension = Path(filename).suffix.lower()[:8]
    return f"sources/{asset.key}/{uuid.uuid4().hex[:12]}{extension}"


class MediaAsset(AbstractMedia):
    """A trainer's video or audio upload and the renditions made from it.

    The uploaded file is never served as it is: a background task turns it into an HLS
    ladder (and an audio-only rendition, a poster and a small MP4 for offline use) under
    a folder of its own, and only then points ``rendition_set`` at that folder. A new
    upload bumps ``source_version``; a task for an older version finds it superseded.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ xử lý")
        PROCESSING = "processing", _("Đang xử lý")
        READY = "ready", _("Sẵn sàng")
        FAILED = "failed", _("Lỗi")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(
        _("tệp gốc"), storage=media_field_storage, upload_to=_source_path, max_length=255
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    source_version = models.PositiveIntegerField(default=0, editable=False)
    # Which attempt is working on the current version: only that one may publish.
    processing_token = models.CharField(max_length=32, blank=True, editable=False)
    # The folder (under the storage) holding the renditions learners are served now.
    rendition_set = models.CharField(max_length=200, blank=True, editable=False)
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moved on by every step of processing: a run that stops moving it has died.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    admin_form_fields = ("title", "file", "collection", "tags")

    class Meta:
        verbose_name = _("video/âm thanh")
        verbose_name_plural = _("video và âm thanh")

    def rendition(self, name: str) -> dict | None:
        return (self.renditions.get("files") or {}).get(name)

    def rendition_url(self, name: str) -> str:
        """The address of one of the current set's files (see cms.media.views)."""
        entry = self.rendition(name)
        if not entry or not self.rendition_set:
            return ""
        return reverse(
            "media_rendition",
            kwargs={
                "key": self.key,
                "set_id": self.rendition_set.rsplit("/", 1)[-1],
                "name": entry["path"],
            },
        )

    def named(self, extension: str) -> str:
        """A file name made from the title (the stored names are ours, random)."""
        return f"{slugify_vi(self.title) or 'bai-hoc'}{extension}"

    @property
    def filename(self) -> str:
        return self.named(Path(self.file.name or "").suffix.lower())

    @property
    def subtitle_languages(self) -> list[tuple[str, str]]:
        return Language.choices

    @property
    def url(self) -> str:
        # wagtailmedia's screens link the file: the original, for those who may edit it.
        return reverse("cms_media_source", args=[self.pk]) if self.pk else ""

    @property
    def sources(self) -> list[dict]:
        master = self.rendition_url("master")
        return [{"src": master, "type": "application/vnd.apple.mpegurl"}] if master else []


def _subtitle_path(subtitle: "MediaSubtitle", filename: str) -> str:
    return f"subtitles/{subtitle.asset.key}/{subtitle.language}-{uuid.uuid4().hex[:8]}.vtt"


class MediaSubtitle(models.Model):
    """A WebVTT track of an asset in one language."""

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(_("ngôn ngữ"), max_length=5, choices=Language.choices)
    label = models.CharField(_("tên hiển thị"), max_length=60)
    file = models.FileField(
        _("tệp WebVTT"), storage=media_field_storage, upload_to=_subtitle_path, max_length=255
    )

    class Meta:
        verbose_name = _("phụ đề")
        constraints = [
            models.UniqueConstraint(fields=["asset", "language"], name="one_subtitle_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.asset} ({self.label})"


class MediaUpload(models.Model):
    """A large file on its way to the media library in pieces, over a link that may drop:
    ``received_bytes`` is where it stands, and the client goes on from there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    expected_bytes = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.filename} ({self.received_bytes}/{self.expected_bytes})"

    @property
    def complete(self) -> bool:
        return self.received_bytes == self.expected_bytes

"""The shared StreamField blocks lessons are written with.

Each block renders to plain HTML that reads without JavaScript; a pronunciation uses a
native ``<audio>`` element with ``preload="none"`` so nothing is fetched until the
learner asks for it. Lessons' video and audio blocks come from media_lessons.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

AUDIO_EXTENSIONS = ("mp3", "m4a", "ogg", "oga", "opus")


class MediaFileChooserBlock(DocumentChooserBlock):
    """A document that must be a file of the given kind, so that a lesson's player plays
    it: a PDF chosen for the pronunciation would show a dead player to every learner."""

    def __init__(self, extensions, **kwargs):
        self.extensions = tuple(extensions)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value is not None and value.file_extension.lower() not in self.extensions:
            raise ValidationError(
                _("“%(name)s” không phát được ở đây: hãy chọn tệp %(kinds)s.")
                % {"name": value.filename, "kinds": ", ".join(self.extensions)}
            )
        return value


class RichTextBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Văn bản")
        template = "cms/blocks/rich_text.html"
        features = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Ảnh"))
    caption = blocks.CharBlock(label=_("Chú thích"), required=False, max_length=250)
    alt_text = blocks.CharBlock(
        label=_("Mô tả cho người khiếm thị"), required=False, max_length=250
    )

    class Meta:
        icon = "image"
        label = _("Ảnh")
        template = "cms/blocks/image.html"


class VocabularyBlock(blocks.StructBlock):
    word = blocks.CharBlock(label=_("Từ"), max_length=120)
    meaning = blocks.CharBlock(label=_("Nghĩa"), max_length=250)
    example = blocks.TextBlock(label=_("Ví dụ"), required=False)
    example_meaning = blocks.TextBlock(label=_("Nghĩa của ví dụ"), required=False)
    pronunciation = MediaFileChooserBlock(
        AUDIO_EXTENSIONS, label=_("Âm thanh phát âm"), required=False
    )

    class Meta:
        icon = "openquote"
        label = _("Từ vựng")
        template = "cms/blocks/vocabulary.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Tài liệu"))
    description = blocks.CharBlock(label=_("Mô tả"), required=False, max_length=250)

    class Meta:
        icon = "doc-full"
        label = _("Tài liệu tải về")
        template = "cms/blocks/document.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Loại"),
        choices=[
            ("note", _("Ghi chú")),
            ("tip", _("Mẹo")),
            ("warning", _("Lưu ý quan trọng")),
        ],
        default="note",
    )
    text = blocks.RichTextBlock(label=_("Nội dung"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("Hộp ghi chú")
        template = "cms/blocks/callout.html"


def blocks_from_apps() -> list[tuple[str, blocks.Block]]:
    # Apps above cms (a quiz, a package) add lesson blocks by naming them in the wiring's
    # LESSON_EXTRA_BLOCKS; cms never imports them itself.
    return [(name, import_string(path)()) for name, path in settings.LESSON_EXTRA_BLOCKS]


class LessonStreamBlock(blocks.StreamBlock):
    def __init__(self, local_blocks=None, **kwargs):
        super().__init__([*(local_blocks or []), *blocks_from_apps()], **kwargs)

    text = RichTextBlock()
    image = ImageBlock()
    vocabulary = VocabularyBlock()
    document = DocumentBlock()
    callout = CalloutBlock()

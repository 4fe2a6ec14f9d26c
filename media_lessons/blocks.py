"""A lesson's video and audio blocks: a recording of the media library, played from its
renditions (adaptive HLS, an "audio only" switch, offline copies), its watching
reported as the course's media item."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtailmedia.blocks import AudioChooserBlock, VideoChooserBlock


class _MediaBlock(blocks.StructBlock):
    field_name = ""

    def get_context(self, value, parent_context=None):
        # Imported here: blocks are loaded while courses' models are being defined.
        from .selectors import player_context

        context = super().get_context(value, parent_context=parent_context)
        page = (parent_context or {}).get("page")
        context["player"] = player_context(value.get(self.field_name), page)
        return context


class VideoBlock(_MediaBlock):
    field_name = "video"

    title = blocks.CharBlock(label=_("Tiêu đề"), max_length=200)
    video = VideoChooserBlock(label=_("Video (thư viện video và âm thanh)"))
    transcript = blocks.TextBlock(label=_("Lời thoại/tóm tắt"), required=False)
    required = blocks.BooleanBlock(
        label=_("Bắt buộc xem"),
        required=False,
        help_text=_("Khóa học chỉ hoàn thành khi học viên đã xem gần hết video này."),
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "media_lessons/blocks/player.html"


class AudioBlock(_MediaBlock):
    field_name = "audio"

    title = blocks.CharBlock(label=_("Tiêu đề"), max_length=200)
    audio = AudioChooserBlock(label=_("Âm thanh (thư viện video và âm thanh)"))
    transcript = blocks.TextBlock(label=_("Lời thoại"), required=False)
    required = blocks.BooleanBlock(
        label=_("Bắt buộc nghe"),
        required=False,
        help_text=_("Khóa học chỉ hoàn thành khi học viên đã nghe gần hết bài này."),
    )

    class Meta:
        icon = "media"
        label = _("Âm thanh kèm lời thoại")
        template = "media_lessons/blocks/player.html"

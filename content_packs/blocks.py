"""A lesson's interactive package (H5P or SCORM), played in a sandboxed frame."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class PackageChooserBlock(blocks.ChooserBlock):
    """The package chooser's block, resolved lazily: lesson blocks are built while the
    courses' models load, before the admin's chooser can be imported."""

    @cached_property
    def target_model(self):
        from .models import Package

        return Package

    @cached_property
    def widget(self):
        from .admin_views import package_chooser_viewset

        return package_chooser_viewset.widget_class()

    def get_form_state(self, value):
        return self.widget.get_value_data(value)

    class Meta:
        icon = "pick"


class PackageBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Tiêu đề"), max_length=200, required=False)
    package = PackageChooserBlock(label=_("Gói H5P hoặc SCORM"))
    required = blocks.BooleanBlock(
        label=_("Bắt buộc"),
        required=False,
        default=True,
        help_text=_("Khóa học chỉ hoàn thành khi học viên đã hoàn thành gói này."),
    )

    def get_context(self, value, parent_context=None):
        # Imported here: blocks are loaded while courses' models are being defined.
        from .selectors import player_context

        context = super().get_context(value, parent_context=parent_context)
        context["player"] = player_context(
            value.get("package"),
            (parent_context or {}).get("page"),
            (parent_context or {}).get("request"),
        )
        return context

    class Meta:
        icon = "pick"
        label = _("Bài tập tương tác (H5P/SCORM)")
        template = "content_packs/blocks/package.html"

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


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

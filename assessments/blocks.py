from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class QuizBlock(blocks.StructBlock):
    """A quiz of the course, shown in a lesson as a card with the learner's standing."""

    quiz = SnippetChooserBlock("assessments.Quiz", label=_("Bài kiểm tra"))
    note = blocks.CharBlock(label=_("Lời dẫn"), required=False, max_length=250)

    class Meta:
        icon = "tasks"
        label = _("Bài kiểm tra")
        template = "assessments/blocks/quiz.html"

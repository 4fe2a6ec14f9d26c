"""The question bank and quizzes in the Wagtail admin, each trainer's own courses only
(the scoping itself is courses.admin_scoping's)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from courses.admin_scoping import CourseScopedForm, CourseScopedPolicy, CourseScopedViewSet
from lms.roles import is_admin, is_trainer

from . import admin_grading, admin_views
from .models import Question, QuestionCategory, Quiz


class AssessmentsForm(CourseScopedForm):
    """Category and question choices limited to the user's courses too."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        taught = self.taught
        if "category" in self.fields:
            self.fields["category"].queryset = QuestionCategory.objects.filter(course__in=taught)
        for formset in getattr(self, "formsets", {}).values():
            for form in formset.forms + [formset.empty_form]:
                for name, model in (("question", Question), ("category", QuestionCategory)):
                    if name in form.fields:
                        form.fields[name].queryset = model.objects.filter(course__in=taught)

    def clean(self):
        cleaned = super().clean()
        course = cleaned.get("course")
        if course is None:
            return cleaned
        category = cleaned.get("category")
        if category is not None and category.course_id != course.pk:
            self.add_error("category", _("Nhóm này thuộc khóa học khác."))
        slots = getattr(self, "formsets", {}).get("slots")
        for form in slots.forms if slots else []:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            for name in ("question", "category"):
                chosen = form.cleaned_data.get(name)
                if chosen is not None and chosen.course_id != course.pk:
                    form.add_error(name, _("Câu hỏi/nhóm phải thuộc khóa học của bài kiểm tra."))
        return cleaned


class QuestionCategoryViewSet(CourseScopedViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = _("Nhóm câu hỏi")
    list_display = ["name", "course"]
    list_filter = ["course"]
    panels = [FieldPanel("course"), FieldPanel("name")]


class QuestionViewSet(CourseScopedViewSet):
    model = Question
    icon = "help"
    menu_label = _("Ngân hàng câu hỏi")
    list_display = ["title", "qtype", "category", "course", "updated_at"]
    list_filter = ["course", "qtype"]
    search_fields = ["title", "text"]
    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("qtype"), FieldPanel("points")]),
        FieldPanel("title"),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("image"), FieldPanel("audio")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("partial_credit"), FieldPanel("ignore_tones")]),
                FieldRowPanel([FieldPanel("tolerance"), FieldPanel("true_false_answer")]),
            ],
            heading=_("Cách chấm"),
        ),
        InlinePanel("options", label=_("Phương án / đáp án")),
        FieldPanel("general_feedback"),
        MultiFieldPanel(
            [FieldPanel("reference_audio"), FieldPanel("rubric")],
            heading=_("Trả lời bằng giọng nói"),
        ),
        FieldPanel("tags"),
    ]


class QuizViewSet(CourseScopedViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Bài kiểm tra")
    list_display = ["title", "course", "published", "updated_at"]
    list_filter = ["course", "published"]
    search_fields = ["title"]
    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("module")]),
        FieldPanel("title"),
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("published"), FieldPanel("required")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("attempts_allowed")]),
                FieldRowPanel([FieldPanel("grading_method"), FieldPanel("pass_percent")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldRowPanel([FieldPanel("open_at"), FieldPanel("close_at")]),
                FieldRowPanel([FieldPanel("feedback_shown"), FieldPanel("answers_shown")]),
                FieldPanel("review_after_close"),
            ],
            heading=_("Cài đặt"),
        ),
        InlinePanel("slots", label=_("Câu hỏi")),
    ]


class AssessmentsGroup(SnippetViewSetGroup):
    items = (QuizViewSet, QuestionViewSet, QuestionCategoryViewSet)
    menu_icon = "tasks"
    menu_label = _("Bài kiểm tra, câu hỏi")
    menu_order = 260


for _model in (Question, QuestionCategory, Quiz):
    register_permission_policy(_model, CourseScopedPolicy(_model), exact_class=True)
    _model.base_form_class = AssessmentsForm  # type: ignore[attr-defined]

register_snippet(AssessmentsGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "my-courses/<int:course_id>/gradebook/",
            admin_views.gradebook_view,
            name="assessments_admin_gradebook",
        ),
        path(
            "quiz-attempts/<uuid:attempt_id>/",
            admin_views.attempt_view,
            name="assessments_admin_attempt",
        ),
        path(
            "quizzes/<int:quiz_id>/statistics/",
            admin_views.statistics_view,
            name="assessments_admin_statistics",
        ),
        path("questions/import/", admin_views.import_view, name="assessments_admin_import"),
    ]


class TrainerMenuItem(MenuItem):
    def is_shown(self, request):
        return is_trainer(request.user) or is_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return TrainerMenuItem(
        _("Nhập câu hỏi (GIFT, XML)"),
        reverse("assessments_admin_import"),
        icon_name="download",
        order=265,
    )


@hooks.register("course_admin_links")
def gradebook_and_statistics_links(course, request):
    return admin_views.course_links(course, request)


# Spoken answers waiting for a trainer: the list and the grading screen.
hooks.register("register_admin_urls", admin_grading.admin_urls)
hooks.register("register_admin_menu_item", admin_grading.menu_item)

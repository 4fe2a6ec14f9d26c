"""The course page tree: catalogue > program > course > module > lesson."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import LessonStreamBlock
from lms.languages import Language
from lms.roles import TRAINERS_GROUP
from lms.text import fold, normalise

RICH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link"]


class Track(models.TextChoices):
    ETHNIC_LANGUAGE = "ethnic_language", _("Tiếng dân tộc")
    VOCATIONAL = "vocational", _("Đào tạo nghề")
    IT_LITERACY = "it_literacy", _("Kỹ năng số")
    CYBERSECURITY = "cybersecurity", _("An toàn thông tin")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Cơ bản")
    INTERMEDIATE = "intermediate", _("Trung cấp")
    ADVANCED = "advanced", _("Nâng cao")


class CataloguePage(Page):
    intro = RichTextField(_("lời giới thiệu"), blank=True, features=RICH_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.ProgramPage"]
    max_count = 1

    class Meta:
        verbose_name = _("danh mục khóa học")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import catalogue_search

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_search(request.GET))
        return context

    def get_template(self, request, *args, **kwargs):
        if request.headers.get("HX-Request"):
            return "courses/includes/catalogue_results.html"
        return super().get_template(request, *args, **kwargs)


class ProgramPage(Page):
    track = models.CharField(_("chương trình"), max_length=20, choices=Track.choices)
    intro = RichTextField(_("giới thiệu"), blank=True, features=RICH_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("track"), FieldPanel("intro")]
    parent_page_types = ["courses.CataloguePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("chương trình")


class CoursePage(Page):
    summary = models.TextField(_("tóm tắt"), max_length=500)
    description = RichTextField(_("mô tả"), blank=True, features=RICH_FEATURES)
    language = models.CharField(
        _("ngôn ngữ"), max_length=5, choices=Language.choices, default=Language.VIETNAMESE
    )
    level = models.CharField(_("trình độ"), max_length=20, choices=Level.choices)
    duration_hours = models.PositiveSmallIntegerField(_("thời lượng (giờ)"), default=1)
    trainers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("giảng viên"),
        blank=True,
        related_name="taught_courses",
        limit_choices_to={"groups__name": TRAINERS_GROUP},
    )
    prerequisites = ParentalManyToManyField(
        "self",
        verbose_name=_("khóa học cần hoàn thành trước"),
        blank=True,
        symmetrical=False,
        related_name="+",
    )
    enrolment_opens_at = models.DateTimeField(_("mở ghi danh từ"), null=True, blank=True)
    enrolment_closes_at = models.DateTimeField(_("đóng ghi danh lúc"), null=True, blank=True)
    capacity = models.PositiveIntegerField(
        _("số chỗ"), null=True, blank=True, help_text=_("Để trống: không giới hạn.")
    )
    self_enrolment = models.BooleanField(_("cho phép tự ghi danh"), default=True)
    lesson_min_seconds = models.PositiveSmallIntegerField(
        _("thời gian đọc tối thiểu mỗi bài (giây)"),
        default=30,
        help_text=_(
            "Một bài chỉ được tính hoàn thành khi người học đã mở nó ít nhất chừng này giây."
        ),
    )
    issues_certificate = models.BooleanField(_("cấp chứng nhận"), default=True)
    search_key = models.TextField(editable=False, blank=True, default="")

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("language"), FieldPanel("level"), FieldPanel("duration_hours")]),
        # Assigning trainers is granting them the course: for those who manage groups.
        FieldPanel("trainers", permission="auth.change_group"),
        FieldPanel("prerequisites"),
        MultiFieldPanel(
            [
                FieldPanel("self_enrolment"),
                FieldRowPanel(
                    [FieldPanel("enrolment_opens_at"), FieldPanel("enrolment_closes_at")]
                ),
                FieldPanel("capacity"),
            ],
            heading=_("Ghi danh"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("lesson_min_seconds"),
                FieldPanel("issues_certificate"),
            ],
            heading=_("Hoàn thành và chứng nhận"),
        ),
        InlinePanel(
            "completion_criteria",
            heading=_("Điều kiện hoàn thành (tất cả phải đạt; để trống: mọi hoạt động bắt buộc)"),
            label=_("điều kiện"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["courses.ProgramPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("khóa học")

    def clean(self):
        super().clean()
        if (
            self.enrolment_opens_at
            and self.enrolment_closes_at
            and self.enrolment_closes_at <= self.enrolment_opens_at
        ):
            raise ValidationError(
                {"enrolment_closes_at": _("Thời điểm đóng phải sau thời điểm mở ghi danh.")}
            )

    def save(self, *args, **kwargs):
        self.title = normalise(self.title)
        self.summary = normalise(self.summary)
        self.search_key = fold(f"{self.title} {self.summary}")
        return super().save(*args, **kwargs)

    def enrolment_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.self_enrolment:
            return False
        if self.enrolment_opens_at and now < self.enrolment_opens_at:
            return False
        return not (self.enrolment_closes_at and now >= self.enrolment_closes_at)

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import course_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_page_context(self, request.user))
        return context


class ModulePage(Page):
    intro = RichTextField(_("giới thiệu"), blank=True, features=RICH_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("học phần")

    def serve(self, request, *args, **kwargs):
        # A module is a heading in the course outline, not a page of its own.
        from django.shortcuts import redirect

        return redirect(self.get_parent().url)


class LessonPage(Page):
    summary = models.CharField(_("tóm tắt"), max_length=250, blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name=_("nội dung"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("thời gian học (phút)"), default=10)
    required = models.BooleanField(
        _("bắt buộc"), default=True, help_text=_("Tính vào điều kiện hoàn thành khóa học.")
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("required")]),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("bài học")

    def save(self, *args, **kwargs):
        self.title = normalise(self.title)
        return super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        """Open to the course's enrolled learners (editors use the preview)."""
        from django.contrib import messages
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import redirect

        from cms.offline import keep_offline
        from courses.selectors import access_lesson, course_card
        from courses.services.progress import activity_opened

        card = access_lesson(request.user, self)
        if card is None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            messages.info(request, _("Hãy ghi danh khóa học để học bài này."))
            course = course_card(self.path[: -2 * self.steplen])
            return redirect(course.url if course else "/")
        response = super().serve(request, *args, course=card, **kwargs)
        current, summary = response.context_data["current"], response.context_data["summary"]
        if current is not None and (summary is None or summary.opened_at is None):
            # The server saw the learner open it: what completion is measured against.
            activity_opened(learner=request.user, activity_id=current.activity_id)
        response["Cache-Control"] = "private, no-cache"
        # The service worker keeps the lesson for reading offline (see cms.offline).
        return keep_offline(response)

    def get_context(self, request, *args, course=None, **kwargs):
        from cms.cache import tree_cached
        from courses.selectors import lesson_context

        context = super().get_context(request, *args, **kwargs)
        if course is None:  # the editor's preview: the blocks only
            return context
        context.update(lesson_context(self, request.user, course))
        # Rendered once per published revision and language.
        context["body"] = tree_cached(
            ("lesson-body", self.pk, self.live_revision_id, request.LANGUAGE_CODE),
            lambda: self.body.render_as_block({"page": self, "request": request}),
        )
        return context

    def get_preview_context(self, request, mode_name):
        # Editors preview without being enrolled: the blocks only, no progress reporting.
        context = super().get_preview_context(request, mode_name)
        context.update(body=self.body.render_as_block({"page": self}), preview=True)
        return context

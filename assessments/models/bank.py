"""The question bank: each course's questions, in categories, with tags."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.models import Orderable, PreviewableMixin


def _image(label):
    """An optional picture of a question or an option; kept if the image is deleted."""
    return models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=label,
    )


def _document(label):
    """An optional audio file (a Wagtail document) of a question or an option."""
    return models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=label,
    )


class QuestionCategory(models.Model):
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="question_categories",
        verbose_name=_("khóa học"),
    )
    name = models.CharField(_("tên"), max_length=120)

    class Meta:
        verbose_name = _("nhóm câu hỏi")
        verbose_name_plural = _("nhóm câu hỏi")
        ordering = ["course_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="one_category_name_per_course")
        ]

    def __str__(self) -> str:
        return self.name


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "assessments.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Một lựa chọn đúng")
    MULTIPLE = "multiple", _("Nhiều lựa chọn đúng")
    TRUE_FALSE = "truefalse", _("Đúng / Sai")
    SHORT = "short", _("Trả lời ngắn")
    NUMERIC = "numeric", _("Số")
    MATCHING = "matching", _("Ghép đôi")
    ORDERING = "ordering", _("Sắp xếp thứ tự")
    BLANKS = "blanks", _("Điền vào chỗ trống")
    SPOKEN = "spoken", _("Trả lời bằng giọng nói")


# Types graded by a person, not by the server's rules.
MANUALLY_GRADED = {QuestionType.SPOKEN}


class Question(PreviewableMixin, ClusterableModel):
    """One question of a course's bank.

    Its answers live in its options: the choices of a choice question (with their
    credit), the accepted answers of a short-answer, numeric or blank question, the
    pairs of a matching question and the items of an ordering question in their right
    order. A question with an audio prompt is a listening question, whatever its form.
    """

    # Stable across installations: a course pack that brings the question again updates
    # it instead of adding a copy (assessments.packs).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("khóa học"),
    )
    category = models.ForeignKey(
        QuestionCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        verbose_name=_("nhóm"),
    )
    qtype = models.CharField(
        _("dạng câu hỏi"), max_length=20, choices=QuestionType.choices, default=QuestionType.SINGLE
    )
    title = models.CharField(_("tên ngắn"), max_length=255)
    text = models.TextField(
        _("nội dung câu hỏi"),
        help_text=_("Với dạng điền vào chỗ trống, viết [[1]], [[2]]... tại mỗi chỗ trống."),
    )
    image = _image(_("hình ảnh"))
    audio = _document(_("âm thanh đề bài (câu hỏi nghe)"))
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=2, default=1)
    partial_credit = models.BooleanField(
        _("tính điểm từng phần"),
        default=False,
        help_text=_("Nhiều lựa chọn, ghép đôi, sắp xếp, điền chỗ trống: cho điểm phần đúng."),
    )
    ignore_tones = models.BooleanField(
        _("bỏ qua dấu thanh"),
        default=False,
        help_text=_("Trả lời ngắn: “slao ca” được chấp nhận cho “Slao cạ”."),
    )
    tolerance = models.FloatField(_("sai số cho phép"), default=0)
    true_false_answer = models.BooleanField(_("đáp án Đúng/Sai"), null=True, blank=True)
    general_feedback = models.TextField(_("nhận xét chung"), blank=True)
    reference_audio = _document(_("phát âm mẫu (câu trả lời bằng giọng nói)"))
    rubric = models.TextField(
        _("tiêu chí chấm"),
        blank=True,
        help_text=_("Câu trả lời bằng giọng nói: mỗi dòng một tiêu chí, dạng “Tên | điểm”."),
    )
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("thẻ"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["course_id", "category_id", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def manually_graded(self) -> bool:
        return self.qtype in MANUALLY_GRADED

    def clean(self) -> None:
        super().clean()
        if self.category_id and self.course_id and self.category.course_id != self.course_id:
            raise ValidationError({"category": _("Nhóm này thuộc khóa học khác.")})
        if self.qtype == QuestionType.TRUE_FALSE and self.true_false_answer is None:
            raise ValidationError({"true_false_answer": _("Chọn đáp án Đúng hoặc Sai.")})
        if self.tolerance < 0:
            raise ValidationError({"tolerance": _("Sai số không được âm.")})

    def get_preview_template(self, request, mode_name):
        return "assessments/question_preview.html"

    def get_preview_context(self, request, mode_name):
        from assessments.grading import correct_answer_text, question_for_display

        context = super().get_preview_context(request, mode_name)
        context["preview_item"] = {"shown": question_for_display(self), "answer": {}}
        context["correct"] = correct_answer_text(self)
        return context


class QuestionOption(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("nội dung"), max_length=500)
    match_text = models.CharField(_("vế ghép (ghép đôi)"), max_length=500, blank=True)
    is_correct = models.BooleanField(_("đúng"), default=False)
    credit = models.SmallIntegerField(
        _("điểm (%)"),
        null=True,
        blank=True,
        help_text=_("Để trống: 100 % nếu đúng, 0 nếu sai. Có thể âm với lựa chọn sai."),
    )
    blank = models.PositiveSmallIntegerField(_("chỗ trống số"), null=True, blank=True)
    feedback = models.CharField(_("nhận xét khi chọn"), max_length=500, blank=True)
    image = _image(_("hình ảnh"))
    audio = _document(_("âm thanh"))

    class Meta(Orderable.Meta):
        verbose_name = _("phương án")
        verbose_name_plural = _("phương án")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit__isnull=True)
                | models.Q(credit__gte=-100, credit__lte=100),
                name="option_credit_within_100",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def fraction(self) -> float:
        if self.credit is not None:
            return self.credit / 100
        return 1.0 if self.is_correct else 0.0

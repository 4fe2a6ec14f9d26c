"""Quizzes, the questions they draw, and the attempts learners make at them."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .bank import Question, QuestionCategory


class GradingMethod(models.TextChoices):
    HIGHEST = "highest", _("Lần cao nhất")
    LAST = "last", _("Lần cuối")
    FIRST = "first", _("Lần đầu")
    AVERAGE = "average", _("Trung bình các lần")


class Shown(models.TextChoices):
    AFTER_SUBMIT = "after_submit", _("Ngay sau khi nộp bài")
    AFTER_CLOSE = "after_close", _("Sau khi bài kiểm tra đóng")
    NEVER = "never", _("Không hiển thị")


class Quiz(ClusterableModel):
    # Stable across installations: lesson blocks in a course pack name the quiz by it,
    # and a newer pack updates the quiz (its activity and attempts stay).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="quizzes",
        verbose_name=_("khóa học"),
    )
    module = models.ForeignKey(
        "courses.ModulePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("học phần"),
        help_text=_("Bài kiểm tra hiện ở cuối học phần này trong đề cương."),
    )
    title = models.CharField(_("tên bài kiểm tra"), max_length=255)
    intro = models.TextField(_("hướng dẫn"), blank=True)
    published = models.BooleanField(
        _("mở cho học viên"), default=False, help_text=_("Học viên chỉ thấy bài đã mở.")
    )
    required = models.BooleanField(_("bắt buộc để hoàn thành khóa học"), default=True)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("thời gian làm bài (phút)"),
        null=True,
        blank=True,
        help_text=_("Để trống: không giới hạn."),
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("số lần làm bài"), default=1, help_text=_("0: không giới hạn.")
    )
    grading_method = models.CharField(
        _("cách tính điểm"),
        max_length=10,
        choices=GradingMethod.choices,
        default=GradingMethod.HIGHEST,
    )
    pass_percent = models.PositiveSmallIntegerField(_("điểm đạt (%)"), default=70)
    shuffle_questions = models.BooleanField(_("đảo thứ tự câu hỏi"), default=False)
    shuffle_options = models.BooleanField(_("đảo thứ tự phương án"), default=True)
    open_at = models.DateTimeField(_("mở lúc"), null=True, blank=True)
    close_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    feedback_shown = models.CharField(
        _("hiện nhận xét"), max_length=15, choices=Shown.choices, default=Shown.AFTER_SUBMIT
    )
    answers_shown = models.CharField(
        _("hiện đáp án đúng"), max_length=15, choices=Shown.choices, default=Shown.AFTER_CLOSE
    )
    review_after_close = models.BooleanField(_("cho xem lại bài làm sau khi đóng"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bài kiểm tra")
        verbose_name_plural = _("bài kiểm tra")
        ordering = ["course_id", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_percent__lte=100), name="quiz_pass_percent_within_100"
            ),
            models.CheckConstraint(
                condition=models.Q(open_at__isnull=True)
                | models.Q(close_at__isnull=True)
                | models.Q(close_at__gt=models.F("open_at")),
                name="quiz_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def grade_percent(self, attempts: list["Attempt"]) -> float | None:
        """The quiz's grade from graded attempts (in the order made), in percent."""
        percents = [a.percent for a in attempts if a.percent is not None]
        if not percents:
            return None
        if self.grading_method == GradingMethod.LAST:
            return percents[-1]
        if self.grading_method == GradingMethod.FIRST:
            return percents[0]
        if self.grading_method == GradingMethod.AVERAGE:
            return sum(percents) / len(percents)
        return max(percents)

    def window_problem(self, now) -> str:
        """Why the quiz cannot be started at ``now``; empty when it can."""
        if self.open_at and now < self.open_at:
            return str(_("Bài kiểm tra chưa mở."))
        if self.close_at and now >= self.close_at:
            return str(_("Bài kiểm tra đã đóng."))
        return ""

    def clean(self) -> None:
        super().clean()
        if self.open_at and self.close_at and self.close_at <= self.open_at:
            raise ValidationError({"close_at": _("Thời điểm đóng phải sau thời điểm mở.")})
        if self.pass_percent > 100:
            raise ValidationError({"pass_percent": _("Điểm đạt tối đa là 100 %.")})
        if self.module_id and self.course_id:
            from courses.models import ModulePage

            if not ModulePage.objects.child_of(self.course).filter(pk=self.module_id).exists():
                raise ValidationError({"module": _("Học phần này không thuộc khóa học đã chọn.")})


class QuizSlot(Orderable):
    """One place in a quiz: a given question, or N drawn at random from a category."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="slots")
    question = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("câu hỏi"),
    )
    category = models.ForeignKey(
        QuestionCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hoặc rút ngẫu nhiên từ nhóm"),
    )
    draw_count = models.PositiveSmallIntegerField(_("số câu rút"), default=1)

    class Meta(Orderable.Meta):
        verbose_name = _("câu hỏi trong bài")
        verbose_name_plural = _("câu hỏi trong bài")

    def clean(self) -> None:
        super().clean()
        if bool(self.question_id) == bool(self.category_id):
            raise ValidationError(_("Chọn một câu hỏi, hoặc một nhóm để rút ngẫu nhiên."))
        if self.category_id and self.draw_count < 1:
            raise ValidationError({"draw_count": _("Rút ít nhất một câu.")})


# A save sent in the last second over a slow link still counts; nothing later does.
DEADLINE_GRACE = timedelta(seconds=5)


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Đang làm")
        AWAITING_GRADING = "awaiting", _("Chờ chấm điểm")
        GRADED = "graded", _("Đã chấm")

    class ClosedBy(models.TextChoices):
        LEARNER = "learner", _("Học viên nộp bài")
        TIMEOUT = "timeout", _("Hết giờ")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField()
    # When the server stops taking answers: the time limit or the quiz's close, whichever
    # comes first. None: no limit.
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=10, choices=ClosedBy.choices, blank=True)
    # The client's token of the submission that closed it: a resend answers the same.
    submit_token = models.UUIDField(null=True, blank=True)
    # The questions drawn, in the order shown, and each one's option order, fixed at the
    # start so that a resumed attempt looks exactly the same on any device.
    layout = models.JSONField(default=list)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt làm bài")
        verbose_name_plural = _("lượt làm bài")
        ordering = ["quiz_id", "learner_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "learner", "number"], name="one_attempt_number_per_learner"
            ),
            models.UniqueConstraint(
                fields=["quiz", "learner"],
                condition=models.Q(state="in_progress"),
                name="one_open_attempt_per_learner",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number}"

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return 100 * self.score / self.max_score

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_PROGRESS

    def past_deadline(self, now) -> bool:
        return self.deadline is not None and now > self.deadline + DEADLINE_GRACE


class Response(models.Model):
    """A learner's answer to one question of an attempt, saved as they go."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    answer = models.JSONField(default=dict)
    saved_at = models.DateTimeField()
    # 0..1 of the question's points; None until graded (a spoken answer waits for a person).
    fraction = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    # A person set this grade (a spoken answer's rubric, or an override): a regrade of
    # the question's rules leaves it as it is.
    graded_by_person = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="one_response_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.question_id}"


class GradeChange(models.Model):
    """The history of a response's grade set by a person: who, when, from what, why."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="grade_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_score = models.FloatField(null=True, blank=True)
    new_score = models.FloatField()
    # A spoken answer graded by rubric: the points given for each criterion.
    rubric = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("thay đổi điểm")
        verbose_name_plural = _("thay đổi điểm")
        ordering = ["response_id", "at"]

    def __str__(self) -> str:
        return f"{self.response} {self.old_score} → {self.new_score}"


class Recording(models.Model):
    """A spoken answer's audio, received in chunks so a weak link can resume it.

    The file lives in private storage; a response's answer names the recording once the
    upload is complete and checked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="recordings")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=60)
    expected_bytes = models.PositiveIntegerField()
    received_bytes = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=255, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("bản ghi âm")
        verbose_name_plural = _("bản ghi âm")

    def __str__(self) -> str:
        return str(self.pk)

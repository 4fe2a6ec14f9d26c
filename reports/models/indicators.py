"""Indicators of the province's plan, defined by an admin as a filter over the rollups."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from courses.models.pages import Track
from lms.models import LearnerProfile

from ..dimensions import AGE_BANDS

COUNTABLE = [
    ("enrolled", _("ghi danh")),
    ("active", _("có học")),
    ("completed", _("hoàn thành")),
    ("passed", _("đạt")),
    ("certified", _("được cấp chứng nhận")),
    ("attended", _("dự buổi học trực tuyến")),
]


class Indicator(ClusterableModel):
    """What is counted (people or enrolments that reached a measure), among whom (the
    filter), against what (a denominator entered per unit) and by when (target, deadline).
    """

    class Counts(models.TextChoices):
        PEOPLE = "people", _("Số người (mỗi người đếm một lần)")
        ENROLMENTS = "enrolments", _("Số lượt (mỗi khóa học đếm một lần)")

    code = models.SlugField(
        _("mã"),
        max_length=40,
        unique=True,
        help_text=_("Mã ngắn, không dấu, dùng khi xuất số liệu, ví dụ cb-hoc-tieng-dt."),
    )
    name = models.CharField(_("tên chỉ số"), max_length=200)
    description = models.TextField(_("định nghĩa"), blank=True)
    counts = models.CharField(
        _("đếm"), max_length=12, choices=Counts.choices, default=Counts.PEOPLE
    )
    measure = models.CharField(_("đã"), max_length=12, choices=COUNTABLE, default="completed")
    track = models.CharField(
        _("chương trình"),
        max_length=20,
        choices=Track.choices,
        blank=True,
        help_text=_("Chỉ tính các khóa học thuộc loại chương trình này (để trống: mọi loại)."),
    )
    courses = ParentalManyToManyField(
        "courses.CoursePage",
        verbose_name=_("khóa học"),
        blank=True,
        help_text=_("Chỉ tính các khóa học này (để trống: mọi khóa học)."),
    )
    category = models.CharField(
        _("đối tượng"), max_length=20, choices=LearnerProfile.Category.choices, blank=True
    )
    sex = models.CharField(
        _("giới tính"), max_length=10, choices=LearnerProfile.Sex.choices, blank=True
    )
    age_band = models.CharField(
        _("độ tuổi"),
        max_length=10,
        choices=[(code, label) for code, label, _lo, _hi in AGE_BANDS],
        blank=True,
    )
    minorities_only = models.BooleanField(
        _("chỉ người dân tộc thiểu số"),
        default=False,
        help_text=_("Mọi dân tộc trừ Kinh, trong số người học đã nêu dân tộc."),
    )
    ethnic_groups = ParentalManyToManyField(
        "lms.EthnicGroup",
        verbose_name=_("dân tộc"),
        blank=True,
        help_text=_("Chỉ tính các dân tộc này (để trống: mọi dân tộc)."),
    )
    counted_from = models.DateField(
        _("tính từ ngày"), null=True, blank=True, help_text=_("Để trống: từ đầu.")
    )
    has_denominator = models.BooleanField(
        _("có mẫu số"),
        default=False,
        help_text=_("Số người cần đạt ở mỗi xã/phường, nhập ở bảng bên dưới."),
    )
    target_percent = models.DecimalField(
        _("mục tiêu (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    target_count = models.PositiveIntegerField(
        _("mục tiêu (số người/lượt)"),
        null=True,
        blank=True,
        help_text=_("Khi không có mẫu số: con số cần đạt toàn tỉnh."),
    )
    deadline = models.DateField(_("hạn"), null=True, blank=True)
    is_active = models.BooleanField(_("đang theo dõi"), default=True)

    class Meta:
        verbose_name = _("chỉ số")
        verbose_name_plural = _("chỉ số")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.target_percent is not None and not self.has_denominator:
            raise ValidationError(
                {"target_percent": _("Mục tiêu theo phần trăm cần có mẫu số (bật “có mẫu số”).")}
            )
        if self.counted_from and self.deadline and self.counted_from > self.deadline:
            raise ValidationError({"deadline": _("Hạn phải sau ngày bắt đầu tính.")})


class IndicatorDenominator(models.Model):
    """How many people an indicator's rate is taken over in one unit (entered by an admin,
    e.g. the number of prestigious persons of the commune)."""

    indicator = ParentalKey(Indicator, on_delete=models.CASCADE, related_name="denominators")
    unit = models.ForeignKey(
        "lms.AdministrativeUnit",
        verbose_name=_("xã/phường"),
        on_delete=models.PROTECT,
        limit_choices_to={"is_current": True, "level": "commune"},
        related_name="+",
    )
    value = models.PositiveIntegerField(_("mẫu số"))
    source = models.CharField(_("nguồn số liệu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("mẫu số")
        verbose_name_plural = _("mẫu số")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit"], name="one_denominator_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}: {self.value}"

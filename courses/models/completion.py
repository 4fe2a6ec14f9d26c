"""The criteria a course's completion rule is made of (all must hold)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable


def criterion_choices() -> list[tuple[str, str]]:
    # Read at form time: apps register their criteria when they are ready.
    from courses.completion import criteria

    return [(c.name, c.label) for c in criteria()]


class CompletionCriterion(Orderable):
    course = ParentalKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="completion_criteria"
    )
    criterion = models.CharField(_("điều kiện"), max_length=40, choices=criterion_choices)
    activity = models.ForeignKey(
        "courses.Activity",
        verbose_name=_("hoạt động"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Với điều kiện về một hoạt động cụ thể (ví dụ: đạt bài kiểm tra)."),
    )
    threshold = models.PositiveSmallIntegerField(
        _("ngưỡng (%)"), null=True, blank=True, help_text=_("Từ 1 đến 100.")
    )

    panels = [
        FieldRowPanel([FieldPanel("criterion"), FieldPanel("threshold")]),
        FieldPanel("activity"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("điều kiện hoàn thành")
        verbose_name_plural = _("điều kiện hoàn thành")

    def __str__(self) -> str:
        return self.criterion

    def clean(self):
        from courses.completion import get_criterion

        super().clean()
        criterion = get_criterion(self.criterion)
        if criterion is None:
            raise ValidationError({"criterion": _("Điều kiện không tồn tại.")})
        if criterion.needs_threshold and not (self.threshold and 1 <= self.threshold <= 100):
            raise ValidationError({"threshold": _("Ngưỡng phải từ 1 đến 100.")})
        if criterion.needs_activity:
            if self.activity_id is None:
                raise ValidationError({"activity": _("Hãy chọn hoạt động.")})
            if self.course_id and self.activity.course_id != self.course_id:
                raise ValidationError({"activity": _("Hoạt động phải thuộc khóa học này.")})
            if criterion.activity_kinds and self.activity.kind not in criterion.activity_kinds:
                raise ValidationError(
                    {"activity": _("Điều kiện này không áp dụng cho loại hoạt động đã chọn.")}
                )

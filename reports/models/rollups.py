"""Rollups: the only tables report pages read.

The progress pipeline's summaries are folded here per enrolment (``EnrolmentFact`` and
its ``FactMonth`` rows, the enrolment's contribution as last applied) and summed into
``Rollup`` cells. A changed enrolment is queued in ``DirtyEnrolment``; a worker recomputes
its contribution and adds the difference to the cells, so every cell stays the sum of
the facts under it without any report scanning events.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Every measure a cell and a fact month hold, in the order the services use.
MEASURES = (
    "enrolled",
    "active",
    "completed",
    "passed",
    "certified",
    "attended",
    "seconds",
    "live_seconds",
)

# A dimension a grain does not keep holds this value in its cells.
ANY_ID = -1
ANY_CODE = "*"


class Grain(models.IntegerChoices):
    """Which dimensions a rollup cell keeps. Small grains answer the common views
    (province by unit, by month, by ethnic group and sex) from a few thousand rows;
    the full grain answers any other filter."""

    FULL = 0, _("đầy đủ")
    COURSE_UNIT = 1, _("khóa học × đơn vị")
    UNIT_PEOPLE = 2, _("đơn vị × dân tộc × giới tính")


class Measures(models.Model):
    enrolled = models.IntegerField(_("ghi danh"), default=0)
    active = models.IntegerField(_("có học"), default=0)
    completed = models.IntegerField(_("hoàn thành"), default=0)
    passed = models.IntegerField(_("đạt"), default=0)
    certified = models.IntegerField(_("được cấp chứng nhận"), default=0)
    attended = models.IntegerField(_("dự buổi học trực tuyến"), default=0)
    seconds = models.BigIntegerField(_("thời gian học (giây)"), default=0)
    live_seconds = models.BigIntegerField(_("thời gian học trực tuyến (giây)"), default=0)

    class Meta:
        abstract = True


class Rollup(Measures):
    """The sum of the facts of one combination of dimensions in one month."""

    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    month = models.DateField()
    course_id = models.IntegerField()
    # The current unit (a former commune's successor) and the unit as the learner
    # recorded it, which may be a former commune.
    unit_id = models.IntegerField()
    recorded_unit_id = models.IntegerField()
    # 0: not stated (no consent or not given).
    ethnic_group_id = models.IntegerField()
    sex = models.CharField(max_length=10)
    age_band = models.CharField(max_length=10)
    category = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "grain",
                    "month",
                    "course_id",
                    "unit_id",
                    "recorded_unit_id",
                    "ethnic_group_id",
                    "sex",
                    "age_band",
                    "category",
                ],
                name="one_rollup_cell",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "unit_id", "month"], name="rollup_grain_unit"),
            models.Index(fields=["grain", "course_id", "month"], name="rollup_grain_course"),
        ]

    def __str__(self) -> str:
        return f"{self.get_grain_display()} {self.month:%Y-%m} c{self.course_id} u{self.unit_id}"


class EnrolmentFact(models.Model):
    """One enrolment's dimensions as last applied to the rollups.

    Plain ids, not foreign keys: a deleted enrolment or learner must still be found
    here so that what it added is taken back out.
    """

    learner_id = models.IntegerField()
    course_id = models.IntegerField()
    unit_id = models.IntegerField()
    recorded_unit_id = models.IntegerField()
    ethnic_group_id = models.IntegerField()
    sex = models.CharField(max_length=10)
    age_band = models.CharField(max_length=10)
    category = models.CharField(max_length=20)
    cohort_id = models.IntegerField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner_id", "course_id"], name="one_fact_per_pair")
        ]
        indexes = [models.Index(fields=["course_id", "unit_id"], name="fact_course_unit")]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.course_id}"


class FactMonth(Measures):
    fact = models.ForeignKey(EnrolmentFact, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fact", "month"], name="one_fact_month")]

    def __str__(self) -> str:
        return f"{self.fact_id} {self.month:%Y-%m}"


class DirtyEnrolment(models.Model):
    """A learner x course whose contribution must be recomputed. Marking twice is one row."""

    learner_id = models.IntegerField()
    course_id = models.IntegerField()
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner_id", "course_id"], name="one_dirty_pair")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.course_id}"


class RollupsVersion(models.Model):
    """One row whose number grows each time the rollups change: what a cached report is
    keyed on, read by every process alike (web, worker) whatever the cache backend."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.number)

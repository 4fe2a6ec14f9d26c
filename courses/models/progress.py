"""The progress pipeline's records: one kind of row per step, whatever the source.

Activity (what can be tracked) -> ProgressEvent (what a client reported, stored once by
its UUID) -> ActivityProgress (learner x activity summary) -> CourseProgress (enrolment).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """A trackable thing in a course. Its UUID is stable across exports and imports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="activities"
    )
    module = models.ForeignKey(
        "courses.ModulePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The kind's registry entry (courses.activity_kinds) decides which verbs it accepts
    # and when it counts as complete.
    kind = models.CharField(_("loại"), max_length=20)
    title = models.CharField(_("tên"), max_length=255)
    required = models.BooleanField(_("bắt buộc"), default=True)
    weight = models.PositiveSmallIntegerField(_("trọng số"), default=1)
    position = models.CharField(max_length=255, blank=True, help_text="Sort key within the course.")
    page = models.OneToOneField(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity",
    )
    # The source object of a kind that is not a page (a quiz, a live session...): the
    # kind and this reference identify the activity, so registering it again is a no-op.
    source_ref = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        ordering = ["course_id", "position"]
        indexes = [models.Index(fields=["course", "is_active", "required"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="one_activity_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Verb(models.TextChoices):
    VIEWED = "viewed", _("đã xem")
    PROGRESSED = "progressed", _("đang học")
    COMPLETED = "completed", _("đã hoàn thành")
    SCORED = "scored", _("có điểm")
    ATTENDED = "attended", _("đã tham dự")


class ProgressEvent(models.Model):
    """One learning signal as the client sent it. The client's UUID makes resends no-ops."""

    id = models.UUIDField(primary_key=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_events"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["learner", "activity", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.activity_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class ActivityProgress(models.Model):
    """The learner x activity summary. It only moves forward, whatever order events arrive."""

    class Status(models.IntegerChoices):
        NOT_STARTED = 0, _("Chưa học")
        IN_PROGRESS = 10, _("Đang học")
        COMPLETED = 20, _("Hoàn thành")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_progress"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="progress")
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.NOT_STARTED)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    seconds_spent = models.PositiveBigIntegerField(default=0)
    # When the server itself first served the activity to this learner (a lesson's GET):
    # the evidence that completion and time on task are measured against.
    opened_at = models.DateTimeField(null=True, blank=True)
    # The latest moment up to which time on task has been credited; claimed seconds never
    # overlap it.
    credited_until = models.DateTimeField(null=True, blank=True)
    resume_point = models.JSONField(null=True, blank=True)
    resume_point_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "activity"], name="one_summary_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.activity_id}: {self.get_status_display()}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class CourseProgress(models.Model):
    enrolment = models.OneToOneField(
        "courses.Enrolment", on_delete=models.CASCADE, related_name="progress"
    )
    required_done = models.PositiveIntegerField(default=0)
    required_total = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The completion rule holds but the course was not completed by the learner's own
    # progress (a lesson was removed meanwhile): a trainer may confirm the completion.
    rule_met = models.BooleanField(default=False)
    last_activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.percent}%"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

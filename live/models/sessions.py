import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveSession(models.Model):
    """A scheduled live class of a course, optionally for one cohort only."""

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="live_sessions",
        verbose_name=_("khóa học"),
    )
    cohort = models.ForeignKey(
        "courses.Cohort",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lớp"),
        help_text=_("Để trống: mọi học viên của khóa học."),
    )
    module = models.ForeignKey(
        "courses.ModulePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("học phần"),
        help_text=_("Buổi học hiện ở cuối học phần này trong đề cương."),
    )
    title = models.CharField(_("tên buổi học"), max_length=255)
    description = models.TextField(_("giới thiệu"), blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    join_before_minutes = models.PositiveSmallIntegerField(
        _("vào lớp sớm (phút)"),
        default=15,
        help_text=_("Học viên vào được lớp từ bấy nhiêu phút trước giờ bắt đầu."),
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="hosted_live_sessions",
        verbose_name=_("người dạy"),
        help_text=_("Giảng viên của khóa học luôn là người dạy; thêm người khác ở đây."),
    )
    published = models.BooleanField(
        _("mở cho học viên"), default=True, help_text=_("Học viên chỉ thấy buổi đã mở.")
    )
    required = models.BooleanField(
        _("bắt buộc để hoàn thành khóa học"),
        default=False,
        help_text=_(
            "Thường để trống và dùng tiêu chí “tham dự đủ tỉ lệ (%) số buổi” của khóa học."
        ),
    )
    attendance_percent = models.PositiveSmallIntegerField(
        _("tham dự tối thiểu (%)"),
        default=50,
        help_text=_(
            "Học viên có mặt ít nhất bấy nhiêu phần trăm thời lượng thì được tính là đã dự."
        ),
    )
    # The room as it is now; every change is also a RoomEvent.
    chat_locked = models.BooleanField(_("khóa trò chuyện"), default=False)
    slow_mode_seconds = models.PositiveSmallIntegerField(_("chế độ chậm (giây)"), default=0)
    slide_deck = models.ForeignKey(
        "live.SlideDeck", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    slide_page = models.PositiveIntegerField(default=1)
    ended_at = models.DateTimeField(_("đã kết thúc lúc"), null=True, blank=True, editable=False)
    replay_lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The room's event counter: the sequence number of its last event.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("buổi học trực tuyến")
        verbose_name_plural = _("buổi học trực tuyến")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="live_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(attendance_percent__gte=1, attendance_percent__lte=100),
                name="live_attendance_percent_1_100",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def opens_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.join_before_minutes)

    @property
    def closes_at(self) -> datetime:
        return min(self.ends_at, self.ended_at) if self.ended_at else self.ends_at

    def is_over(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def window_problem(self, now: datetime | None = None, *, host: bool = False) -> str:
        """Why the room cannot be entered now ("" when it can). Hosts enter any time
        before the end, to prepare slides and polls."""
        now = now or timezone.now()
        if self.ended_at is not None or now >= self.ends_at:
            return str(_("Buổi học đã kết thúc."))
        if not host and now < self.opens_at:
            return str(
                _("Lớp mở lúc %(time)s.")
                % {"time": timezone.localtime(self.opens_at).strftime("%H:%M %d/%m/%Y")}
            )
        return ""


class CalendarFeed(models.Model):
    """A learner's private iCalendar address; a new token revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_calendar"
    )
    token = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.user_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

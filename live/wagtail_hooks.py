"""Scheduling live sessions in the Wagtail admin, each trainer's own courses only."""

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from courses.admin_scoping import CourseScopedForm, CourseScopedPolicy, CourseScopedViewSet
from courses.models import Cohort
from lms.roles import TRAINERS_GROUP

from .models import LiveSession
from .selectors import upcoming_sessions


class LiveSessionForm(CourseScopedForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        if "cohort" in self.fields:
            self.fields["cohort"].queryset = Cohort.objects.filter(course__in=self.taught)
        if "hosts" in self.fields:
            # Co-hosts are trainers; learners' names are not listed here.
            self.fields["hosts"].queryset = (
                get_user_model()
                .objects.filter(groups__name=TRAINERS_GROUP, is_active=True)
                .order_by("username")
            )

    def clean(self):
        cleaned = super().clean()
        course, cohort = cleaned.get("course"), cleaned.get("cohort")
        if course is not None and cohort is not None and cohort.course_id != course.pk:
            self.add_error("cohort", _("Lớp này thuộc khóa học khác."))
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("Giờ kết thúc phải sau giờ bắt đầu."))
        percent = cleaned.get("attendance_percent")
        if percent is not None and not 1 <= percent <= 100:
            self.add_error("attendance_percent", _("Từ 1 đến 100."))
        return cleaned


class LiveSessionViewSet(CourseScopedViewSet):
    model = LiveSession
    icon = "date"
    menu_label = _("Buổi học trực tuyến")
    menu_order = 270
    add_to_admin_menu = True
    list_display = ["title", "course", "starts_at", "ends_at", "published"]
    list_filter = ["course", "published"]
    search_fields = ["title"]
    ordering = ["-starts_at"]
    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("module")]),
        FieldPanel("cohort"),
        FieldPanel("title"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("join_before_minutes"),
            ],
            heading=_("Thời gian"),
        ),
        FieldPanel("hosts"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("published"), FieldPanel("required")]),
                FieldPanel("attendance_percent"),
            ],
            heading=_("Điểm danh, hoàn thành"),
        ),
    ]


register_permission_policy(LiveSession, CourseScopedPolicy(LiveSession), exact_class=True)
LiveSession.base_form_class = LiveSessionForm  # type: ignore[attr-defined]
register_snippet(LiveSessionViewSet)


@hooks.register("course_admin_links")
def live_session_links(course, request):
    """Beside each course in "Lớp học của tôi": its sessions' rooms."""
    return [
        (_("Buổi trực tuyến: %(t)s") % {"t": s.title}, reverse("live:session", args=[s.pk]))
        for s in LiveSession.objects.filter(course=course, ended_at__isnull=True).order_by(
            "starts_at"
        )[:3]
    ]


@hooks.register("my_learning_panels")
def upcoming_sessions_panel(request):
    sessions = upcoming_sessions(request.user)
    if not sessions:
        return ""
    return render_to_string(
        "live/_upcoming.html", {"sessions": sessions, "now": timezone.now()}, request=request
    )

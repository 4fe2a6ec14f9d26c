import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from cms.offline import keep_offline
from lms.http import next_url_or
from lms.roles import is_admin, is_manager, is_trainer

from .models import Certificate, CoursePage, Enrolment, Verb
from .selectors import (
    enrolments_visible_to,
    learner_for_staff,
    my_learning,
    progress_rows_for_staff,
)
from .services.certificates import CODE_RE, certificate_by_code, certificate_file
from .services.enrolment import enrolment_create, enrolment_withdraw, invitation_decline
from .services.errors import ServiceError
from .services.progress import REFUSED, EventIn, progress_events_ingest


def _course_or_404(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().public(), pk=course_id)


def _course_action(request, course_id: int):
    """The course of an enrol/unenrol form, or where to send a request that cannot act.

    The forms POST; anything else (a bookmarked or shared link) just shows the course.
    A visitor whose session ended meanwhile signs in and comes back to the course page
    to press the button again, rather than to a bare "method not allowed".
    """
    course = _course_or_404(course_id)
    if request.method != "POST":
        return course, redirect(course.url)
    if not request.user.is_authenticated:
        return course, redirect_to_login(course.url)
    return course, None


def enrol(request, course_id: int):
    """Enrol oneself; this also accepts a pending invitation to the course."""
    course, elsewhere = _course_action(request, course_id)
    if elsewhere:
        return elsewhere
    try:
        enrolment_create(learner=request.user, course=course)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã ghi danh. Chúc bạn học tốt!"))
    return redirect(course.url)


def unenrol(request, course_id: int):
    """Withdraw; with ``invitation`` in the form, decline the invitation instead."""
    course, elsewhere = _course_action(request, course_id)
    if elsewhere:
        return elsewhere
    if "invitation" in request.POST:
        if invitation_decline(learner=request.user, course=course):
            messages.success(request, _("Đã từ chối lời mời."))
        return redirect("my-learning")
    enrolment = Enrolment.objects.filter(learner=request.user, course=course).first()
    if enrolment is not None and enrolment.is_active:
        enrolment_withdraw(enrolment=enrolment)
        messages.success(request, _("Bạn đã rút khỏi khóa học. Kết quả học tập vẫn được giữ."))
    return redirect(course.url)


@require_POST
def lesson_complete(request, activity_id: uuid.UUID):
    """Marking a lesson done from the plain form, for browsers without JavaScript."""
    back = next_url_or(request, request.POST.get("next", ""), "my-learning")
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    event = EventIn(
        id=uuid.uuid4(), activity_id=activity_id, verb=Verb.COMPLETED, occurred_at=timezone.now()
    )
    try:
        result = progress_events_ingest(learner=request.user, events=[event])
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("my-learning")
    answer = result.events[0]
    if answer.status == REFUSED:
        messages.error(request, answer.detail)
        return redirect("my-learning")
    waiting = next((a.waiting for a in result.activities if a.waiting), "")
    if waiting:
        messages.info(request, waiting)
        # Back to the lesson the form was on.
        return redirect(next_url_or(request, request.META.get("HTTP_REFERER", ""), back))
    course = congratulate(request, [c.course_id for c in result.courses if c.newly_completed])
    if course is not None:
        return redirect(course.url)
    return HttpResponseRedirect(back)


def congratulate(request, course_ids: list[int]) -> CoursePage | None:
    """The learner finished these courses just now: said on the next page they open."""
    if not course_ids:  # nearly every batch: no query, no queryset to build
        return None
    courses = list(CoursePage.objects.filter(pk__in=course_ids))
    for course in courses:
        messages.success(
            request, _("Chúc mừng! Bạn đã hoàn thành khóa học “%(c)s”.") % {"c": course.title}
        )
    return courses[0] if courses else None


@login_required
def my_learning_view(request):
    # Kept offline like the lessons: it is the learner's own page and where they land.
    return keep_offline(
        TemplateResponse(
            request,
            "courses/my_learning.html",
            {
                "items": my_learning(request.user),
                "follows_learners": _staff_only(request.user),
                # Apps above courses add panels of their own (upcoming live classes, say).
                "panels": [
                    panel
                    for hook in hooks.get_hooks("my_learning_panels")
                    if (panel := hook(request))
                ],
            },
        )
    )


@login_required
def certificate_download(request, code: str):
    if not CODE_RE.fullmatch(code):
        raise Http404
    certificate = get_object_or_404(
        Certificate.objects.filter(
            enrolment__in=enrolments_visible_to(request.user), revoked_at__isnull=True
        ),
        code=code,
    )
    path = certificate_file(certificate)
    if not certificate.pdf_generated_at or not path.exists():
        messages.info(request, _("Chứng nhận đang được tạo, vui lòng thử lại sau ít phút."))
        return redirect("my-learning")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"chung-nhan-{certificate.code}.pdf",
        content_type="application/pdf",
    )


def certificate_verify(request, code: str):
    # Found however it was typed ("ls abcde fghjk"); the page shows the code as issued.
    certificate, canonical = certificate_by_code(code)
    return TemplateResponse(
        request,
        "courses/certificate_verify.html",
        {"certificate": certificate, "code": canonical or code},
        status=200 if certificate else 404,
    )


def certificate_lookup(request):
    code = request.GET.get("code", "")
    if not code.strip():
        return TemplateResponse(request, "courses/certificate_verify.html", {"certificate": None})
    certificate, canonical = certificate_by_code(code)
    if certificate is not None or canonical:
        return redirect("certificate-verify", code=certificate.code if certificate else canonical)
    # Not a code (a slash, a NUL byte...): no page to send it to; "not found" here.
    return certificate_verify(request, code)


def _staff_only(user) -> bool:
    return is_admin(user) or is_manager(user) or is_trainer(user)


@login_required
def staff_progress(request):
    """Learners' progress for trainers (their courses) and managers (their units)."""
    if not _staff_only(request.user):
        raise Http404
    from lms.selectors import current_units, units_for_manager

    units = units_for_manager(request.user)
    context = progress_rows_for_staff(request.user, request.GET)
    context["units"] = current_units() if units is None else units
    return TemplateResponse(request, "courses/staff_progress.html", context)


@login_required
def staff_learner(request, learner_id: int):
    found = learner_for_staff(request.user, learner_id) if _staff_only(request.user) else None
    if found is None:
        raise Http404
    return TemplateResponse(request, "courses/staff_learner.html", found)

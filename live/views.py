"""The live classroom over HTTP: the session page (the room while it runs; transcript
and attendance after), slides upload and pages, the attendance report, and each
learner's calendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from courses.models import ModulePage
from courses.services.cohort_files import table_csv
from lms.admin_users import display_name
from lms.errors import ServiceError
from lms.http import error_status, json_error

from .calendar import calendar_feed_for, calendar_feed_renew, calendar_ics
from .janus import media_public_url
from .models import CalendarFeed, SlideDeck
from .selectors import access_live_session, attendance_rows, session_transcript
from .services.media import media_pass
from .services.replay import replay_publish
from .services.slides import deck_upload, page_file


def _seat(request, session_id: int):
    seat = access_live_session(request.user, session_id)
    if seat is None:
        raise Http404
    return seat


@login_required
@ensure_csrf_cookie  # the audio button posts for its room access
def session_page(request, session_id: int):
    seat = _seat(request, session_id)
    session = seat.session
    now = timezone.now()
    context = {
        "session": session,
        "seat": seat,
        "problem": session.window_problem(now, host=seat.is_host),
        "over": session.is_over(now),
    }
    if context["over"]:
        context["transcript"] = session_transcript(session)
        context["modules"] = ModulePage.objects.child_of(session.course).order_by("path")
        rows = attendance_rows(session, now)
        context["attendance"] = (
            rows if seat.is_host else [r for r in rows if r.user_id == request.user.pk]
        )
    if seat.is_host:
        context["decks"] = SlideDeck.objects.filter(session=session).order_by("-pk")[:5]
    response = TemplateResponse(request, "live/session.html", context)
    janus = media_public_url(request)
    if janus.startswith(("ws://", "wss://")):
        # The page talks to the media server on its own port: allow that one address.
        response._csp_update = {"connect-src": [janus.rstrip("/")]}
    return response


@login_required
@require_POST
def media_pass_view(request, session_id: int):
    """Audio and video access for someone with a seat: a Janus token and the rooms."""
    seat = access_live_session(request.user, session_id)
    if seat is None:
        return json_error(404, "not_found", _("Không có buổi học này."))
    try:
        access = media_pass(
            seat.session,
            display=display_name(request.user),
            host=seat.is_host,
            listen_only=request.POST.get("listen_only") == "1",
            request=request,
        )
    except ServiceError as error:
        status = 503 if error.code == "media_unavailable" else error_status(error)
        return json_error(status, error.code, error.message)
    return JsonResponse(access)


@login_required
@require_POST
def slides_upload(request, session_id: int):
    seat = _seat(request, session_id)
    if not seat.is_host:
        raise Http404
    upload = request.FILES.get("pdf")
    if upload is None:
        messages.error(request, _("Hãy chọn một tệp PDF."))
    else:
        try:
            deck_upload(seat.session, upload, user=request.user)
            messages.success(request, _("Đã nhận tệp; các trang sẽ hiện trong lớp sau ít phút."))
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("live:session", session_id)


@login_required
def slide_image(request, session_id: int, deck_id: int, page: int):
    seat = _seat(request, session_id)
    deck = SlideDeck.objects.filter(
        pk=deck_id, session=seat.session, status=SlideDeck.Status.READY
    ).first()
    if deck is None or not 1 <= page <= deck.pages:
        raise Http404
    path = page_file(deck, page)
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    # A page never changes once rendered: a phone that saw it keeps it.
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@login_required
@require_POST
def replay_publish_view(request, session_id: int):
    seat = _seat(request, session_id)
    if not seat.is_host:
        raise Http404
    module = ModulePage.objects.filter(pk=request.POST.get("module") or 0).first()
    upload = request.FILES.get("recording")
    if module is None or upload is None:
        messages.error(request, _("Hãy chọn học phần và tệp ghi lại buổi học."))
        return redirect("live:session", session_id)
    try:
        lesson = replay_publish(seat.session, upload, module=module, user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("live:session", session_id)
    messages.success(request, _("Đã đăng bài xem lại “%(t)s”.") % {"t": lesson.title})
    return redirect(lesson.url)


@login_required
def attendance_csv(request, session_id: int):
    seat = _seat(request, session_id)
    if not seat.is_host:
        raise Http404
    rows = attendance_rows(seat.session)
    header = [
        _("Họ tên"),
        _("Tên đăng nhập"),
        _("Vai trò"),
        _("Vào lần đầu"),
        _("Rời lần cuối"),
        _("Số lần kết nối"),
        _("Số phút có mặt"),
        _("Tỉ lệ thời lượng (%)"),
    ]

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    body = table_csv(
        header,
        [
            [
                r.name,
                r.username,
                r.role,
                when(r.first_joined),
                when(r.last_left),
                r.connections,
                round(r.seconds / 60, 1),
                r.percent,
            ]
            for r in rows
        ],
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diem-danh-buoi-{session_id}.csv"'
    return response


@login_required
def calendar_page(request):
    feed = (
        calendar_feed_renew(request.user)
        if request.method == "POST"
        else calendar_feed_for(request.user)
    )
    if request.method == "POST":
        messages.success(request, _("Đã đổi địa chỉ lịch; địa chỉ cũ không còn dùng được."))
        return redirect("live:calendar")
    feed_url = request.build_absolute_uri(reverse("live:calendar-feed", args=[feed.token]))
    return TemplateResponse(request, "live/calendar.html", {"feed_url": feed_url})


def calendar_feed(request, token: str):
    """No sign-in: calendar apps fetch it on their own. The token is the key."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    body = calendar_ics(
        feed.user, site_url=f"{request.scheme}://{request.get_host()}", domain=request.get_host()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lop-hoc-truc-tuyen.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

"""The learner's side of a quiz: its page, the attempt, autosave, submit and review."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.errors import ServiceError
from lms.http import error_status

from .selectors import access_attempt, access_quiz, attempt_questions, attempt_review, quiz_standing
from .selectors.recordings import attempt_recordings
from .services import attempt_close_if_expired, attempt_start, attempt_submit, response_save


def _from_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def quiz_page(request, quiz_id: int):
    quiz = access_quiz(request.user, quiz_id)
    if quiz is None:
        raise Http404
    standing = quiz_standing(quiz, request.user)
    if standing.open_attempt and standing.open_attempt.past_deadline(timezone.now()):
        attempt_close_if_expired(learner=request.user, quiz=quiz)
        standing = quiz_standing(quiz, request.user)
    return TemplateResponse(request, "assessments/quiz.html", {"quiz": quiz, "standing": standing})


@login_required
def quiz_start(request, quiz_id: int):
    quiz = access_quiz(request.user, quiz_id)
    if quiz is None:
        raise Http404
    if request.method != "POST":
        return redirect("assessments:quiz", quiz_id)
    try:
        attempt = attempt_start(learner=request.user, quiz=quiz)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("assessments:quiz", quiz_id)
    return redirect("assessments:attempt", attempt.pk)


@login_required
def attempt_page(request, attempt_id: uuid.UUID):
    attempt = access_attempt(request.user, attempt_id)
    if attempt is None:
        raise Http404
    if attempt.is_open and attempt.past_deadline(timezone.now()):
        closed = attempt_close_if_expired(learner=request.user, quiz=attempt.quiz)
        if closed is not None:
            messages.info(request, _("Đã hết giờ: bài được nộp với các câu trả lời đã lưu."))
            attempt = closed
    if not attempt.is_open:
        return redirect("assessments:result", attempt.pk)
    seconds_left = None
    if attempt.deadline:
        seconds_left = max(int((attempt.deadline - timezone.now()).total_seconds()), 0)
    return TemplateResponse(
        request,
        "assessments/attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": attempt_questions(attempt),
            "seconds_left": seconds_left,
            # A fresh token per page: pressing "submit" twice sends it twice.
            "submit_token": uuid.uuid4(),
        },
    )


@require_POST
def answer_save(request, attempt_id: uuid.UUID, question_id: int):
    """One answer, saved as the learner gives it (htmx). Answers a small status line."""
    if not request.user.is_authenticated:
        return _status(request, _("Phiên đăng nhập đã hết; hãy đăng nhập lại."), 403, "error")
    try:
        response = response_save(
            learner=request.user, attempt_id=attempt_id, question_id=question_id, data=request.POST
        )
    except ServiceError as error:
        if not _from_htmx(request):
            messages.error(request, error.message)
            return redirect("assessments:attempt", attempt_id)
        return _status(request, error.message, error_status(error), "error", error.code)
    if not _from_htmx(request):
        return redirect(f"{_attempt_url(attempt_id)}#q{question_id}")
    saved_at = time_format(timezone.localtime(response.saved_at), "H:i:s")
    return _status(request, _("Đã lưu lúc %(t)s") % {"t": saved_at}, 200, "saved")


def _attempt_url(attempt_id) -> str:
    return reverse("assessments:attempt", args=[attempt_id])


def _status(request, text: str, status: int, kind: str, code: str = "") -> HttpResponse:
    # A one-line fragment for htmx to swap in: built directly, it is the hottest
    # response of an exam.
    code_attr = format_html(' data-code="{}"', code) if code else ""
    return HttpResponse(
        format_html('<span class="save-{}"{}>{}</span>', kind, code_attr, text), status=status
    )


@require_POST
def submit(request, attempt_id: uuid.UUID):
    if not request.user.is_authenticated:
        return redirect_to_login(_attempt_url(attempt_id))
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        token = None
    try:
        attempt_submit(learner=request.user, attempt_id=attempt_id, token=token)
    except ServiceError as error:
        if error_status(error) == 404:
            raise Http404 from None
        messages.error(request, error.message)
        return redirect("assessments:attempt", attempt_id)
    return redirect("assessments:result", attempt_id)


@login_required
def result(request, attempt_id: uuid.UUID):
    attempt = access_attempt(request.user, attempt_id)
    if attempt is None:
        raise Http404
    if attempt.is_open:
        return redirect("assessments:attempt", attempt.pk)
    review = attempt_review(attempt)
    standing = quiz_standing(attempt.quiz, request.user)
    return TemplateResponse(
        request,
        "assessments/result.html",
        {
            "review": review,
            "quiz": attempt.quiz,
            "standing": standing,
            # The learner hears their spoken answers even where the review is not shown.
            "recordings": attempt_recordings(attempt) if not review.questions else [],
        },
    )

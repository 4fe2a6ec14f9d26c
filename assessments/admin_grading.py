"""Grading spoken answers in the admin: what waits in the courses a trainer teaches, and
one screen per answer with the learner's recording beside the reference pronunciation
and the question's rubric. Another course's answer does not exist here (404)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin.menu import MenuItem

from lms.errors import ServiceError
from lms.http import error_status
from lms.roles import is_admin, is_trainer

from .models import GradeChange
from .selectors import learner_name
from .selectors.recordings import (
    access_spoken_response,
    response_recording,
    responses_awaiting_grading,
)
from .services import response_mark, rubric_criteria


@never_cache
def awaiting_view(request):
    responses = list(responses_awaiting_grading(request.user)[:200])
    rows = [(r, learner_name(r.attempt.learner)) for r in responses]
    return TemplateResponse(request, "assessments/admin/spoken_awaiting.html", {"rows": rows})


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except (AttributeError, ValueError):
        return None


@never_cache
def grade_view(request, response_id: int):
    response = access_spoken_response(request.user, response_id)
    if response is None:
        raise Http404
    question = response.question
    criteria = list(rubric_criteria(question).items())
    given: dict[str, str] = {}
    if request.method == "POST":
        rubric: dict[str, float | None] = {}
        for index, (name, _top) in enumerate(criteria):
            given[name] = request.POST.get(f"criterion-{index}", "")
            rubric[name] = _number(given[name])
        score = None if criteria else _number(request.POST.get("score", ""))
        if any(value is None for value in rubric.values()) or (not criteria and score is None):
            messages.error(request, _("Hãy nhập điểm cho mọi tiêu chí."))
        else:
            try:
                response_mark(
                    by=request.user,
                    response_id=response.pk,
                    rubric=rubric or None,
                    score=score,
                    reason=request.POST.get("reason", ""),
                )
            except ServiceError as error:
                if error_status(error) == 404:
                    raise Http404 from None
                messages.error(request, error.message)
            else:
                messages.success(request, _("Đã chấm câu trả lời bằng giọng nói."))
                return redirect("assessments_admin_spoken_awaiting")
    last = GradeChange.objects.filter(response=response).order_by("-at").first()
    rows = [
        {
            "index": index,
            "name": name,
            "top": top,
            "value": given.get(name, (last.rubric or {}).get(name, "") if last else ""),
        }
        for index, (name, top) in enumerate(criteria)
    ]
    return TemplateResponse(
        request,
        "assessments/admin/spoken_grade.html",
        {
            "response": response,
            "attempt": response.attempt,
            "question": question,
            "learner": learner_name(response.attempt.learner),
            "recording": response_recording(response),
            "criteria": rows,
            "points": float(question.points),
            "history": GradeChange.objects.filter(response=response)
            .select_related("changed_by")
            .order_by("at"),
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
    )


def admin_urls() -> list:
    return [
        path("spoken-answers/", awaiting_view, name="assessments_admin_spoken_awaiting"),
        path(
            "spoken-answers/<int:response_id>/",
            grade_view,
            name="assessments_admin_spoken_grade",
        ),
    ]


class GradingMenuItem(MenuItem):
    def is_shown(self, request):
        return is_trainer(request.user) or is_admin(request.user)


def menu_item() -> MenuItem:
    return GradingMenuItem(
        gettext_lazy("Chấm bài nói"),
        reverse("assessments_admin_spoken_awaiting"),
        icon_name="media",
        order=262,
    )

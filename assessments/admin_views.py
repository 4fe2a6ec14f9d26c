"""A trainer's quiz screens in the admin: gradebook (and its export), an attempt's
review with grade overrides, item statistics with regrade, and the bank import."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from courses.models import Cohort, CoursePage
from courses.selectors.staff import courses_taught_by
from courses.services.cohort_files import XLSX_CONTENT_TYPE, table_csv, table_xlsx
from lms.errors import ServiceError

from .grading import correct_answer_text
from .models import GradeChange
from .selectors import (
    access_attempt_for_staff,
    access_quiz_for_staff,
    attempt_questions,
    gradebook,
    gradebook_table,
    item_statistics,
    learner_name,
    quizzes_of_course,
)
from .services import quiz_regrade, response_mark
from .services.bank import questions_import


def _taught_course(request, course_id: int) -> CoursePage:
    course = courses_taught_by(request.user).filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


@never_cache
def gradebook_view(request, course_id: int):
    course = _taught_course(request, course_id)
    cohorts = Cohort.objects.filter(course=course).order_by("name")
    cohort_id = request.GET.get("cohort", "")
    cohort = cohorts.filter(pk=int(cohort_id)).first() if cohort_id.isdecimal() else None
    book = gradebook(request.user, course, cohort.pk if cohort else None)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        header, rows = gradebook_table(book)
        name = f"so-diem-{slugify(course.slug)}"
        if export == "csv":
            return HttpResponse(
                table_csv(header, rows),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return HttpResponse(
            table_xlsx(_("Sổ điểm"), header, rows),
            content_type=XLSX_CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return TemplateResponse(
        request,
        "assessments/admin/gradebook.html",
        {"course": course, "book": book, "cohorts": cohorts, "cohort": cohort},
    )


class OverrideForm(forms.Form):
    response = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.FloatField(label=gettext_lazy("Điểm mới"), min_value=0)
    reason = forms.CharField(
        label=gettext_lazy("Lý do"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


@never_cache
def attempt_view(request, attempt_id):
    attempt = access_attempt_for_staff(request.user, attempt_id)
    if attempt is None:
        raise Http404
    if request.method == "POST":
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                response_mark(
                    by=request.user,
                    response_id=form.cleaned_data["response"],
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Đã sửa điểm; lịch sử được lưu."))
        else:
            messages.error(request, _("Hãy nhập điểm (không âm) và lý do."))
        return redirect("assessments_admin_attempt", attempt.pk)
    responses = {r.question_id: r for r in attempt.responses.select_related("question")}
    history = GradeChange.objects.filter(response__attempt=attempt).select_related(
        "changed_by", "response"
    )
    rows = []
    for item in attempt_questions(attempt):
        response = responses.get(item.shown.id)
        rows.append(
            {
                "item": item,
                "response": response,
                "correct": correct_answer_text(response.question) if response else "",
                "history": [h for h in history if response and h.response_id == response.pk],
            }
        )
    return TemplateResponse(
        request,
        "assessments/admin/attempt.html",
        {"attempt": attempt, "learner": learner_name(attempt.learner), "rows": rows},
    )


@never_cache
def statistics_view(request, quiz_id: int):
    quiz = access_quiz_for_staff(request.user, quiz_id)
    if quiz is None:
        raise Http404
    if request.method == "POST":
        try:
            count = quiz_regrade(by=request.user, quiz=quiz)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã chấm lại %(n)d lượt làm bài.") % {"n": count})
        return redirect("assessments_admin_statistics", quiz.pk)
    return TemplateResponse(
        request,
        "assessments/admin/statistics.html",
        {"quiz": quiz, "stats": item_statistics(quiz)},
    )


class ImportForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=CoursePage.objects.none(), label=gettext_lazy("Khóa học")
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp GIFT (.txt, .gift) hoặc Moodle XML (.xml)"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.filter(
            pk__in=courses_taught_by(user)
        ).order_by("title")


@never_cache
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        course = form.cleaned_data["course"]
        try:
            created = questions_import(
                by=request.user,
                course=course,
                data=upload.read(5 * 1024 * 1024 + 1),
                filename=upload.name,
            )
        except ServiceError as error:
            messages.error(request, error.message)
            problems = error.details
        else:
            messages.success(
                request,
                _("Đã nhập %(n)d câu hỏi vào ngân hàng của khóa học.") % {"n": len(created)},
            )
            url = reverse("wagtailsnippets_assessments_question:list")
            return redirect(f"{url}?course={course.pk}")
    return TemplateResponse(
        request, "assessments/admin/import.html", {"form": form, "problems": problems}
    )


def course_links(course: CoursePage, request) -> list[tuple[str, str]]:
    """The links "Lớp học của tôi" shows beside a course: its gradebook and quizzes."""
    links = [(_("Sổ điểm"), reverse("assessments_admin_gradebook", args=[course.pk]))]
    for quiz in quizzes_of_course(request.user, course):
        links.append(
            (
                _("Thống kê: %(q)s") % {"q": quiz.title},
                reverse("assessments_admin_statistics", args=[quiz.pk]),
            )
        )
    return links

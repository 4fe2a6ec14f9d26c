"""Admin views for trainers: their courses, a roster per course, and the cohort upload."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from lms.roles import is_admin, is_trainer

from .forms import CohortUploadForm
from .selectors import course_roster, courses_taught_by
from .services.cohort_import import cohort_import, cohort_template
from .services.errors import ServiceError

RESULT_KEY = "cohort-import-result"


def _taught_course(request, course_id: int):
    course = courses_taught_by(request.user).filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


def cohort_template_download(request):
    if not (is_trainer(request.user) or is_admin(request.user)):
        raise Http404
    return HttpResponse(
        cohort_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="danh-sach-hoc-vien.xlsx"'},
    )


def my_courses(request):
    courses = courses_taught_by(request.user).order_by("title")
    return TemplateResponse(request, "courses/admin/my_courses.html", {"courses": courses})


def roster(request, course_id: int):
    course = _taught_course(request, course_id)
    return TemplateResponse(
        request,
        "courses/admin/roster.html",
        {"course": course, "enrolments": course_roster(request.user, course)},
    )


def cohort_upload(request, course_id: int):
    """Upload, then redirect: the one-time passwords are shown once, and a refresh
    cannot import the same file a second time."""
    course = _taught_course(request, course_id)
    form = CohortUploadForm(request.POST or None, request.FILES or None)
    context = {"course": course, "form": form, "result": request.session.pop(RESULT_KEY, None)}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = cohort_import(
                    course=course,
                    trainer=request.user,
                    name=form.cleaned_data["name"],
                    data=form.cleaned_data["file"].read(),
                )
            except ServiceError as error:
                context["error"] = error
            else:
                request.session[RESULT_KEY] = {
                    "cohort": result.cohort.name,
                    "enrolled": result.enrolled,
                    "already_enrolled": result.already_enrolled,
                    "new_accounts": result.new_accounts,
                }
                return redirect(request.path)
    return TemplateResponse(request, "courses/admin/cohort_upload.html", context, status=status)

"""Admin views for trainers: their courses, a roster per course, and the cohort upload."""

from django.http import Http404
from django.template.response import TemplateResponse

from .forms import CohortUploadForm
from .selectors import course_roster, courses_taught_by
from .services.cohort_import import cohort_import
from .services.errors import ServiceError


def _taught_course(request, course_id: int):
    course = courses_taught_by(request.user).filter(pk=course_id).first()
    if course is None:
        raise Http404
    return course


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
    course = _taught_course(request, course_id)
    form = CohortUploadForm(request.POST or None, request.FILES or None)
    context = {"course": course, "form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                context["result"] = cohort_import(
                    course=course,
                    trainer=request.user,
                    name=form.cleaned_data["name"],
                    data=form.cleaned_data["file"].read(),
                )
                status = 200
            except ServiceError as error:
                context["error"] = error
    return TemplateResponse(request, "courses/admin/cohort_upload.html", context, status=status)

"""Admin views for trainers: their courses, a roster per course, the cohort upload and
the one-time password of a learner who cannot get back in."""

import base64

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail import hooks

from lms.roles import is_admin, is_trainer
from lms.services import learner_password_reset
from lms.views import ISSUED_PASSWORD_KEY

from .forms import CohortUploadForm
from .models import Enrolment
from .selectors import course_roster, courses_taught_by
from .services.cohort_files import XLSX_CONTENT_TYPE, table_csv, table_xlsx
from .services.cohort_import import cohort_import, cohort_template
from .services.errors import ServiceError
from .services.progress import course_completion_confirm

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
        content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="danh-sach-hoc-vien.xlsx"'},
    )


def my_courses(request):
    courses = list(courses_taught_by(request.user).order_by("title"))
    # Apps above courses (a gradebook, say) add their own links to each course here.
    for course in courses:
        course.admin_links = [
            link for hook in hooks.get_hooks("course_admin_links") for link in hook(course, request)
        ]
    return TemplateResponse(request, "courses/admin/my_courses.html", {"courses": courses})


def _may_reset_password(user, enrolment: Enrolment) -> bool:
    """A trainer resets the password of a learner enrolled in their course now, and only
    one without an e-mail address (who could not reset it themselves): a trainer cannot
    take over an account that has another way back in. Admins may reset anyone's."""
    return enrolment.is_active and (is_admin(user) or not enrolment.learner.email)


def _posted_enrolment(enrolments, learner_id: str) -> Enrolment:
    enrolment = (
        enrolments.filter(learner_id=int(learner_id), status=Enrolment.Status.ACTIVE).first()
        if learner_id.isdecimal()
        else None
    )
    if enrolment is None:
        raise Http404
    return enrolment


@never_cache
def roster(request, course_id: int):
    """The course's learners. A POST gives one of them a one-time password, shown on the
    next page once (it waits in the session only until then), or confirms a completion
    that a change to the course made possible (the rule holds, the learner did not
    complete it by their own progress)."""
    course = _taught_course(request, course_id)
    enrolments = course_roster(request.user, course)
    if request.method == "POST":
        if "confirm_completion" in request.POST:
            enrolment = _posted_enrolment(enrolments, request.POST["confirm_completion"])
            try:
                course_completion_confirm(enrolment=enrolment)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Đã xác nhận hoàn thành khóa học."))
            return redirect(request.path)
        enrolment = _posted_enrolment(enrolments, request.POST.get("reset_password", ""))
        if not _may_reset_password(request.user, enrolment):
            raise Http404
        password = learner_password_reset(learner=enrolment.learner)
        request.session[ISSUED_PASSWORD_KEY] = {"user": enrolment.learner_id, "password": password}
        return redirect(request.path)
    issued = request.session.pop(ISSUED_PASSWORD_KEY, None)
    rows = [(e, _may_reset_password(request.user, e)) for e in enrolments]
    issued_to = next((e for e, _may in rows if issued and e.learner_id == issued["user"]), None)
    response = TemplateResponse(
        request,
        "courses/admin/roster.html",
        {
            "course": course,
            "rows": rows,
            "issued": issued if issued_to else None,
            "issued_to": issued_to,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _data_url(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _password_files(accounts: list) -> dict:
    """The one-time password list as files carried in the page itself (data: links):
    nothing is kept on the server for a later download, so the list exists only in the
    page the trainer has open."""
    header = [_("Tên đăng nhập"), _("Họ tên"), _("Mật khẩu dùng một lần")]
    rows = [list(account) for account in accounts]
    return {
        "csv": _data_url("text/csv;charset=utf-8", table_csv(header, rows)),
        "xlsx": _data_url(
            XLSX_CONTENT_TYPE,
            table_xlsx(_("Mật khẩu"), header, rows, widths=(18, 28, 22)),
        ),
    }


@never_cache
def cohort_upload(request, course_id: int):
    """Upload, then redirect: the one-time passwords are shown once (the result waits in
    the session only until the next page), and a refresh cannot import the file again."""
    course = _taught_course(request, course_id)
    form = CohortUploadForm(request.POST or None, request.FILES or None)
    result = request.session.pop(RESULT_KEY, None)
    context = {"course": course, "form": form, "result": result}
    if result and result.get("new_accounts"):
        context["password_files"] = _password_files(result["new_accounts"])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                imported = cohort_import(
                    course=course,
                    trainer=request.user,
                    name=form.cleaned_data["name"],
                    data=form.cleaned_data["file"].read(),
                )
            except ServiceError as error:
                context["error"] = error
            else:
                request.session[RESULT_KEY] = {
                    "cohort": imported.cohort.name,
                    "enrolled": imported.enrolled,
                    "already_enrolled": imported.already_enrolled,
                    "invited": imported.invited,
                    "already_invited": imported.already_invited,
                    "new_accounts": imported.new_accounts,
                }
                return redirect(request.path)
    response = TemplateResponse(request, "courses/admin/cohort_upload.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the back button must not show it again
    return response

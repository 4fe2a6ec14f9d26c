"""Course packs in the admin: export a course (its trainers, admins), import a pack
(admins), follow a job's progress live, download an exported pack, and see this
installation's public key that other installations trust."""

from django import forms
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from courses.models import CoursePage
from lms.errors import ServiceError
from lms.roles import is_admin

from .models import PackJob
from .services.jobs import (
    access_course_export,
    pack_export_start,
    pack_import_start,
    packs_folder,
)
from .services.keys import own_public_key


class ImportForm(forms.Form):
    pack = forms.FileField(
        label=gettext_lazy("Tệp gói khóa học (.lmspack)"),
        help_text=gettext_lazy(
            "Gói được kiểm tra chữ ký và từng tệp trước khi nhập; gói không đạt bị từ chối "
            "và không thay đổi gì."
        ),
    )


def _jobs_for(user):
    jobs = PackJob.objects.select_related("course", "user")
    return jobs if is_admin(user) else jobs.filter(user=user)


def _job_for(user, job_id) -> PackJob:
    job = _jobs_for(user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def _may_use(user) -> bool:
    return is_admin(user) or CoursePage.objects.filter(trainers=user).exists()


@require_http_methods(["GET", "POST"])
def index(request):
    if not _may_use(request.user):
        raise Http404
    form = ImportForm()
    if request.method == "POST":
        if not is_admin(request.user):
            raise Http404
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = pack_import_start(user=request.user, upload=form.cleaned_data["pack"])
            return redirect("content_packs_admin:job", job.pk)
    return TemplateResponse(
        request,
        "content_packs/admin/index.html",
        {
            "jobs": _jobs_for(request.user)[:30],
            "form": form if is_admin(request.user) else None,
            "public_key": own_public_key(),
            "courses": CoursePage.objects.all()
            if is_admin(request.user)
            else CoursePage.objects.filter(trainers=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def export(request, course_id: int):
    course = get_object_or_404(CoursePage, pk=course_id)
    if not access_course_export(request.user, course):
        raise Http404
    if request.method == "POST":
        try:
            job = pack_export_start(user=request.user, course=course)
        except ServiceError:
            raise Http404 from None
        return redirect("content_packs_admin:job", job.pk)
    return TemplateResponse(request, "content_packs/admin/export.html", {"course": course})


@require_GET
def job(request, job_id):
    found = _job_for(request.user, job_id)
    return TemplateResponse(request, "content_packs/admin/job.html", {"job": found})


@never_cache
@require_GET
def status(request, job_id):
    found = _job_for(request.user, job_id)
    body = {
        "status": found.status,
        "status_label": found.get_status_display(),
        "phase": found.phase,
        "percent": found.percent,
        "done_bytes": found.done_bytes,
        "total_bytes": found.total_bytes,
        "message": found.message,
    }
    if found.status == PackJob.Status.DONE and found.kind == PackJob.Kind.EXPORT and found.file:
        body["download"] = reverse("content_packs_admin:download", args=[found.pk])
    if (
        found.status == PackJob.Status.DONE
        and found.kind == PackJob.Kind.IMPORT
        and found.course_id
    ):
        body["course"] = reverse("wagtailadmin_explore", args=[found.course_id])
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
def download(request, job_id):
    found = _job_for(request.user, job_id)
    if found.kind != PackJob.Kind.EXPORT or found.status != PackJob.Status.DONE or not found.file:
        raise Http404
    path = packs_folder() / found.file
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=found.file)


def admin_urls():
    from django.urls import path

    return [
        path("", index, name="index"),
        path("export/<int:course_id>/", export, name="export"),
        path("jobs/<uuid:job_id>/", job, name="job"),
        path("jobs/<uuid:job_id>/status", status, name="status"),
        path("jobs/<uuid:job_id>/download", download, name="download"),
    ]


def menu_shown(request) -> bool:
    return _may_use(request.user)

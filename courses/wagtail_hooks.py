"""The trainer's side of the Wagtail admin.

Trainers edit only inside the courses they teach (courses are created by admins, who
assign the trainers), and get two views of their own: the cohort upload and the roster
of each course with its learners' progress.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.roles import is_admin, is_trainer

from . import admin_views
from .models import CoursePage
from .selectors import courses_taught_by


def _inside_taught_course(user, page) -> bool:
    return (
        courses_taught_by(user)
        .filter(Q(pk=page.pk) | Q(path__in=[page.path[:i] for i in range(4, len(page.path), 4)]))
        .exists()
    )


def _trainer_only(user) -> bool:
    return is_trainer(user) and not is_admin(user)


@hooks.register("before_edit_page")
@hooks.register("before_delete_page")
@hooks.register("before_copy_page")
@hooks.register("before_move_page")
def restrict_trainers_to_their_courses(request, page, *args):
    if _trainer_only(request.user) and not _inside_taught_course(request.user, page):
        messages.error(request, _("Bạn chỉ sửa được các khóa học mình giảng dạy."))
        return redirect("courses_admin_my_courses")


@hooks.register("before_create_page")
def restrict_trainers_creating(request, parent_page, page_class):
    if _trainer_only(request.user) and (
        page_class is CoursePage or not _inside_taught_course(request.user, parent_page)
    ):
        raise PermissionDenied


@hooks.register("construct_explorer_page_queryset")
def show_trainers_their_courses(parent_page, pages, request):
    if not _trainer_only(request.user):
        return pages
    courses = list(courses_taught_by(request.user).values_list("path", flat=True))
    if not courses:
        return pages.none()
    # The way down to each course, and everything inside it.
    ancestors = {course[:i] for course in courses for i in range(4, len(course) + 1, 4)}
    inside = Q()
    for course in courses:
        inside |= Q(path__startswith=course)
    return pages.filter(Q(path__in=ancestors) | inside)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("my-courses/", admin_views.my_courses, name="courses_admin_my_courses"),
        path(
            "my-courses/cohort-template.xlsx",
            admin_views.cohort_template_download,
            name="courses_admin_cohort_template",
        ),
        path("my-courses/<int:course_id>/", admin_views.roster, name="courses_admin_roster"),
        path(
            "my-courses/<int:course_id>/cohort/",
            admin_views.cohort_upload,
            name="courses_admin_cohort_upload",
        ),
    ]


class TrainerMenuItem(MenuItem):
    def is_shown(self, request):
        return is_trainer(request.user) or is_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_my_courses_menu_item():
    return TrainerMenuItem(
        gettext_lazy("Lớp học của tôi"),
        reverse("courses_admin_my_courses"),
        icon_name="group",
        order=250,
    )

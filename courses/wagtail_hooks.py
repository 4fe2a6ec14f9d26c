"""The trainer's side of the Wagtail admin, and who gets a course's files.

What a trainer may do to pages and media is decided by Wagtail's own permission
policies from each course's group (see ``services.permissions``); here are only the two
views of their own (the cohort upload and each course's roster) and the check that
keeps a course's documents, audio and video to its learners and trainers.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.roles import is_admin, is_trainer

from . import admin_views
from .access import access_course_media


@hooks.register("before_serve_document")
def serve_course_documents_to_their_people(document, request):
    # Someone without access is told exactly what a missing file would tell them.
    if not access_course_media(request.user, document.collection):
        raise Http404


@hooks.register("before_serve_media_asset")
def serve_course_video_and_audio_to_their_people(asset, request):
    if not access_course_media(request.user, asset.collection):
        raise Http404


@hooks.register("before_move_page")
def refuse_moves_before_confirming(request, page, destination):
    # Wagtail checks a move's permission only once it is confirmed; without this its
    # confirmation screen would describe pages the user may not touch.
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


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

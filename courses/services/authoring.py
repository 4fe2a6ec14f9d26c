"""Who may write course pages in the Wagtail admin."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission

from lms.roles import TRAINERS_GROUP

from ..models import CataloguePage

TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def catalogue_open_to_trainers(catalogue: CataloguePage) -> None:
    """Let the trainers group write below the catalogue.

    Wagtail grants page permissions per subtree; the admin hooks then narrow a trainer
    to the courses they teach. Done when a catalogue is created, so a new site needs no
    hand-made permissions before its first trainer writes a lesson.
    """
    trainers = Group.objects.get(name=TRAINERS_GROUP)
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=TRAINER_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(
            group=trainers, page=catalogue, permission=permission
        )

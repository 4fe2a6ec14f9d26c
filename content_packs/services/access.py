"""Who may manage a course's packages in the admin: its trainers' group, on its
collection, in Wagtail's own permission rows (as courses grant media)."""

from django.contrib.auth.models import Permission
from wagtail.models import GroupCollectionPermission

from courses.models import CourseWorkspace

TRAINER_PACKAGE_PERMISSIONS = ("add_package", "change_package", "delete_package", "choose_package")


def package_permissions_grant(workspace: CourseWorkspace) -> None:
    if workspace.group_id is None or workspace.collection_id is None:
        return
    for permission in Permission.objects.filter(
        content_type__app_label="content_packs", codename__in=TRAINER_PACKAGE_PERMISSIONS
    ):
        GroupCollectionPermission.objects.get_or_create(
            group_id=workspace.group_id,
            collection_id=workspace.collection_id,
            permission=permission,
        )

"""Who may do what to a course in the Wagtail admin, kept in Wagtail's own terms.

Each course has a group of its own holding page permissions on that course page only,
and collection permissions on the course's own media collection; its trainers are the
group's members. Wagtail's permission policies then decide every admin screen, bulk
action, chooser and listing from these rows: nothing outside the course is reachable
whatever screen a trainer opens. The global trainers group only lets them into the
admin.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from lms.roles import TRAINERS_GROUP

from ..models import CoursePage, CourseWorkspace

# Write and publish inside the course. Not "bulk_delete" (deleting a module with its
# lessons in one go) nor "lock"/"unlock", which trainers have never had.
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
# Upload, choose and edit the course's images, documents, and video and audio (the media
# library, whose permissions are wagtailmedia's).
TRAINER_MEDIA_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
    "wagtailmedia": ("add_media", "change_media"),
}
GROUP_NAME_MAX = 150


def _group_name(course: CoursePage) -> str:
    suffix = f" (#{course.pk})"
    head = f"{TRAINERS_GROUP}: {course.title}"
    return head[: GROUP_NAME_MAX - len(suffix)] + suffix


def _collection_name(course: CoursePage) -> str:
    return course.title[: Collection._meta.get_field("name").max_length]


def _grant(group: Group, course: CoursePage, collection: Collection) -> None:
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=TRAINER_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=course, permission=permission)
    for app_label, codenames in TRAINER_MEDIA_PERMISSIONS.items():
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=permission
            )


@transaction.atomic
def course_workspace_ensure(course: CoursePage) -> CourseWorkspace:
    """The course's group and collection with their permissions, made when missing,
    renamed after the course otherwise. Safe to call on every save."""
    workspace = (
        CourseWorkspace.objects.select_related("group", "collection").filter(course=course).first()
    )
    if workspace is None:
        collection = Collection.get_first_root_node().add_child(name=_collection_name(course))
        group, _ = Group.objects.get_or_create(name=_group_name(course))
        workspace = CourseWorkspace.objects.create(
            course=course, group=group, collection=collection
        )
        _grant(group, course, collection)
    elif workspace.group is None:
        workspace.group, _ = Group.objects.get_or_create(name=_group_name(course))
        workspace.save(update_fields=["group"])
        _grant(workspace.group, course, workspace.collection)
    named: list[tuple[Group | Collection, str]] = [
        (workspace.group, _group_name(course)),
        (workspace.collection, _collection_name(course)),
    ]
    for item, name in named:
        if item.name != name:
            item.name = name
            item.save(update_fields=["name"])
    return workspace


def course_trainers_sync(course: CoursePage) -> None:
    """The course group's members become exactly the course's trainers, as stored."""
    group = course_workspace_ensure(course).group
    assert group is not None  # ensured above
    group.user_set.set(get_user_model().objects.filter(taught_courses=course.pk))


def course_workspace_close(course: CoursePage) -> None:
    """A course is being deleted: its trainers lose every permission it gave them. The
    collection stays (with its media, private to admins) for an admin to sort out."""
    workspace = CourseWorkspace.objects.filter(course=course).select_related("group").first()
    if workspace is not None and workspace.group is not None:
        workspace.group.delete()

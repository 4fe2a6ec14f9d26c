import django.db.models.deletion
from django.db import migrations, models

# The trainers group held add/change/publish on the whole catalogue; from here on each
# course has a group of its own with those permissions on that course only, and a
# collection for its media (see courses.services.permissions, which does the same for
# courses created later). The names are written out: a migration keeps its own copy.
TRAINERS_GROUP = "Giảng viên"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
MEDIA_PERMISSIONS = (
    "add_image",
    "change_image",
    "choose_image",
    "add_document",
    "change_document",
    "choose_document",
)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's, four characters a level


def _add_child_collection(Collection, parent, name):
    # Historical models have no treebeard methods: the next path under ``parent``.
    last = (
        Collection.objects.filter(depth=parent.depth + 1, path__startswith=parent.path)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    number = int(last[-4:], 36) + 1 if last else 1
    step = ""
    while number:
        number, digit = divmod(number, 36)
        step = ALPHABET[digit] + step
    child = Collection.objects.create(
        name=name, path=parent.path + step.rjust(4, "0"), depth=parent.depth + 1, numchild=0
    )
    parent.numchild += 1
    parent.save(update_fields=["numchild"])
    return child


def per_course_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    CoursePage = apps.get_model("courses", "CoursePage")
    CourseWorkspace = apps.get_model("courses", "CourseWorkspace")
    Trainers = CoursePage._meta.get_field("trainers").remote_field.through

    GroupPagePermission.objects.filter(group__name=TRAINERS_GROUP).delete()
    page_permissions = list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
        )
    )
    media_permissions = list(
        Permission.objects.filter(
            content_type__app_label__in=["wagtailimages", "wagtaildocs"],
            codename__in=MEDIA_PERMISSIONS,
        )
    )
    root = Collection.objects.filter(depth=1).first()
    for course in CoursePage.objects.order_by("path"):
        suffix = f" (#{course.pk})"
        group, _ = Group.objects.get_or_create(
            name=f"{TRAINERS_GROUP}: {course.title}"[: 150 - len(suffix)] + suffix
        )
        collection = _add_child_collection(Collection, root, course.title[:255])
        CourseWorkspace.objects.create(course=course, group=group, collection=collection)
        for permission in page_permissions:
            GroupPagePermission.objects.create(
                group=group, page_id=course.pk, permission=permission
            )
        for permission in media_permissions:
            GroupCollectionPermission.objects.create(
                group=group, collection=collection, permission=permission
            )
        group.user_set.set(
            Trainers.objects.filter(coursepage_id=course.pk).values_list("user_id", flat=True)
        )


def catalogue_to_trainers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    CataloguePage = apps.get_model("courses", "CataloguePage")
    CourseWorkspace = apps.get_model("courses", "CourseWorkspace")
    trainers = Group.objects.filter(name=TRAINERS_GROUP).first()
    if trainers is not None:
        for catalogue in CataloguePage.objects.all():
            for permission in Permission.objects.filter(
                content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
            ):
                GroupPagePermission.objects.get_or_create(
                    group=trainers, page_id=catalogue.pk, permission=permission
                )
    # The collections stay: they may hold media by now.
    Group.objects.filter(course_workspace__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("lms", "0004_trainer_media_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("courses", "0005_invitations"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="CourseWorkspace",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "collection",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="course_workspace",
                        to="wagtailcore.collection",
                    ),
                ),
                (
                    "course",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="workspace",
                        to="courses.coursepage",
                        verbose_name="khóa học",
                    ),
                ),
                (
                    "group",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="course_workspace",
                        to="auth.group",
                    ),
                ),
            ],
            options={
                "verbose_name": "không gian khóa học",
                "verbose_name_plural": "không gian khóa học",
            },
        ),
        migrations.RunPython(per_course_groups, catalogue_to_trainers),
    ]

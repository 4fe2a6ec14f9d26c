from django.db import migrations

# Trainers upload and choose their courses' video and audio in the media library too
# (courses.services.permissions does the same for courses created later). The
# permission rows are made here if Django has not made them yet (a fresh database makes
# them only after every migration).
CODENAMES = {"add_media": "Can add media", "change_media": "Can change media"}


def grant_media_library(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    CourseWorkspace = apps.get_model("courses", "CourseWorkspace")
    workspaces = list(CourseWorkspace.objects.exclude(group=None))
    if not workspaces:
        return
    media_type, _ = ContentType.objects.get_or_create(app_label="wagtailmedia", model="media")
    permissions = [
        Permission.objects.get_or_create(
            content_type=media_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in CODENAMES.items()
    ]
    for workspace in workspaces:
        for permission in permissions:
            GroupCollectionPermission.objects.get_or_create(
                group_id=workspace.group_id,
                collection_id=workspace.collection_id,
                permission=permission,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_alter_lessonpage_body"),
        ("wagtailmedia", "0005_alter_media_options"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_media_library, migrations.RunPython.noop)]

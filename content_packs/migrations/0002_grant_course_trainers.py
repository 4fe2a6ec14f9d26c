from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ("add_package", "change_package", "delete_package", "choose_package")


def grant(apps, schema_editor):
    # The permission rows are made after all migrations; existing courses need them now.
    config = apps.get_app_config("content_packs")
    # A migration's app config stub has no models module; create_permissions asks.
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    CourseWorkspace = apps.get_model("courses", "CourseWorkspace")
    permissions = list(
        Permission.objects.filter(content_type__app_label="content_packs", codename__in=CODENAMES)
    )
    for workspace in CourseWorkspace.objects.exclude(group=None).exclude(collection=None):
        for permission in permissions:
            GroupCollectionPermission.objects.get_or_create(
                group_id=workspace.group_id,
                collection_id=workspace.collection_id,
                permission=permission,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("content_packs", "0001_initial"),
        ("courses", "0010_alter_lessonpage_body"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

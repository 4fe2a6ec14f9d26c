"""A group that lets managers in it see individual learners and small cells.

Managers see suppressed aggregates by default; an admin adds to this group those whose
duties require reading individual records.
"""

from django.db import migrations

GROUP = "Xem số liệu từng học viên"


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="reports", model="reportspermissions"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_individuals",
        defaults={"name": "Xem số liệu từng người học và ô số liệu nhỏ"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_rollups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

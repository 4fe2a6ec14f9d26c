"""Trainers schedule live sessions; which courses they may touch is decided per object
by the course-scoped permission policy (courses.admin_scoping)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRAINERS_GROUP = "Giảng viên"
MODELS = ["livesession"]
ACTIONS = ["add", "change", "delete", "view"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("live")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="live",
            codename__in=[f"{a}_{m}" for a in ACTIONS for m in MODELS],
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=TRAINERS_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="live")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_initial"),
        ("lms", "0008_trainer_media_per_course"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""The group whose managers read individual learners in their units; the others read
aggregates only (lms.roles.sees_individuals)."""

from django.db import migrations

GROUP = "Xem số liệu từng học viên"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("lms", "0008_trainer_media_per_course"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]

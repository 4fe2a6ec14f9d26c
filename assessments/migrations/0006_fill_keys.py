import uuid

from django.db import migrations


def fill_keys(apps, schema_editor):
    for name in ("Question", "Quiz"):
        model = apps.get_model("assessments", name)
        rows = list(model.objects.filter(key__isnull=True).only("pk"))
        for row in rows:
            row.key = uuid.uuid4()
        model.objects.bulk_update(rows, ["key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_add_keys"),
    ]

    operations = [
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]

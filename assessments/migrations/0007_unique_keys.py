import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_fill_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="quiz",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]

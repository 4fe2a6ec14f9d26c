from django.db import migrations, models


class Migration(migrations.Migration):
    """Stable keys for course packs, first as an empty column: a default here would be
    one value for every existing row."""

    dependencies = [
        ("assessments", "0004_short_answer_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="quiz",
            name="key",
            field=models.UUIDField(null=True, editable=False),
        ),
    ]

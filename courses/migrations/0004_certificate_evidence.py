from django.db import migrations, models
from django.db.models import Min, Sum


def evidence_of_issued_certificates(apps, schema_editor):
    """Certificates issued before the evidence was kept get it from today's records."""
    Activity = apps.get_model("courses", "Activity")
    ActivityProgress = apps.get_model("courses", "ActivityProgress")
    Certificate = apps.get_model("courses", "Certificate")
    LessonPage = apps.get_model("courses", "LessonPage")
    for certificate in Certificate.objects.select_related("enrolment"):
        enrolment = certificate.enrolment
        required = Activity.objects.filter(
            course_id=enrolment.course_id, is_active=True, required=True
        ).values("page_id")
        minutes = LessonPage.objects.filter(page_ptr_id__in=required).aggregate(
            total=Sum("estimated_minutes")
        )["total"]
        done = ActivityProgress.objects.filter(
            learner_id=enrolment.learner_id, activity__course_id=enrolment.course_id
        ).aggregate(seconds=Sum("seconds_spent"), first=Min("first_seen_at"))
        certificate.course_minutes = minutes or 0
        certificate.seconds_spent = done["seconds"] or 0
        certificate.started_at = done["first"] or enrolment.enrolled_at
        certificate.save(update_fields=["course_minutes", "seconds_spent", "started_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_plugin_contract_and_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="course_minutes",
            field=models.PositiveIntegerField(null=True, verbose_name="thời lượng khóa học (phút)"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="seconds_spent",
            field=models.PositiveBigIntegerField(null=True, verbose_name="thời gian học (giây)"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="started_at",
            field=models.DateTimeField(null=True, verbose_name="ngày bắt đầu học"),
        ),
        migrations.RunPython(evidence_of_issued_certificates, migrations.RunPython.noop),
    ]

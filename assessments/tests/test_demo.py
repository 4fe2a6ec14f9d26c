from io import StringIO

import pytest
from django.core.management import call_command

from assessments.models import Quiz
from courses.models import Activity


@pytest.mark.django_db
def test_the_demo_quizzes_are_added_once_and_count_in_their_courses():
    call_command("seed_demo", quiet_passwords=True, stdout=StringIO())
    out = StringIO()
    call_command("seed_quiz_demo", stdout=out)
    assert "Demo quizzes added: 2" in out.getvalue()
    call_command("seed_quiz_demo", stdout=StringIO())
    assert Quiz.objects.count() == 2
    for quiz in Quiz.objects.all():
        assert quiz.slots.count() >= 4
        activity = Activity.objects.get(kind="quiz", source_ref=str(quiz.pk))
        assert activity.is_active and activity.module_id == quiz.module_id

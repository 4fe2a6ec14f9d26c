"""The rollups follow the progress pipeline's announcements and the people's records."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.models import Enrolment
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from reports.models import DirtyEnrolment, Grain, Rollup
from reports.services.rollups import rollups_drain_all
from tests.factories import build_course, finished


def completed_in(unit_id=None) -> int:
    cells = Rollup.objects.filter(grain=Grain.COURSE_UNIT)
    if unit_id is not None:
        cells = cells.filter(unit_id=unit_id)
    return sum(cells.values_list("completed", flat=True))


def test_progress_reaches_the_rollups_through_the_queue(
    trainer, learner, django_capture_on_commit_callbacks
):
    tree = build_course(trainer=trainer)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(learner=learner, course=tree.course)
    assert DirtyEnrolment.objects.filter(learner_id=learner.pk).exists()
    rollups_drain_all()
    assert completed_in() == 0
    with django_capture_on_commit_callbacks(execute=True):
        finished(learner, *[a for a in tree.activities if a.required])
    rollups_drain_all()
    assert not DirtyEnrolment.objects.exists()
    assert completed_in() == 1


def test_a_move_to_another_commune_moves_the_figures(
    trainer, learner, unit, other_unit, django_capture_on_commit_callbacks
):
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    finished(learner, *[a for a in tree.activities if a.required])
    rollups_drain_all()
    assert completed_in(unit.pk) == 1
    profile = learner.learner_profile
    profile.unit = other_unit
    profile.save()
    rollups_drain_all()
    assert completed_in(unit.pk) == 0
    assert completed_in(other_unit.pk) == 1


def test_a_withdrawal_takes_the_enrolment_out(trainer, learner):
    tree = build_course(trainer=trainer)
    enrolment = enrolment_create(learner=learner, course=tree.course)
    rollups_drain_all()
    assert sum(Rollup.objects.filter(grain=Grain.FULL).values_list("enrolled", flat=True)) == 1
    enrolment_withdraw(enrolment=Enrolment.objects.get(pk=enrolment.pk))
    rollups_drain_all()
    assert sum(Rollup.objects.filter(grain=Grain.FULL).values_list("enrolled", flat=True)) == 0


def test_the_check_command_finds_a_tampered_cell(trainer, learner, capsys):
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    call_command("reports_rebuild", "--check")
    assert "equal a rebuild" in capsys.readouterr().out
    Rollup.objects.filter(grain=Grain.FULL).update(enrolled=5)
    with pytest.raises(CommandError):
        call_command("reports_rebuild", "--check")
    call_command("reports_rebuild")
    call_command("reports_rebuild", "--check")

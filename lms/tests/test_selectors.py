from django.contrib.auth import get_user_model

from courses.selectors import enrolments_visible_to
from courses.services.enrolment import enrolment_create
from lms.models import AdministrativeUnit, ManagerScope
from lms.selectors import learner_profiles_visible_to, learners_visible_to, units_for_manager


def test_a_learner_sees_only_themselves(learner, other_learner):
    assert list(learners_visible_to(learner)) == [learner]


def test_a_manager_sees_only_learners_of_their_units(make_manager, learner, other_learner, unit):
    manager = make_manager("qldk", [unit])
    assert list(learners_visible_to(manager)) == [learner]
    assert list(units_for_manager(manager)) == [unit]


def test_learners_recorded_on_a_former_commune_roll_up_to_its_successor(
    make_manager, make_learner, unit
):
    former = AdministrativeUnit.objects.get(is_current=False, level="commune", name="Xã Mai Pha")
    assert former.current_unit == unit
    old_record = make_learner("old", unit_=former)
    manager = make_manager("qldk", [unit])
    assert old_record in learners_visible_to(manager)


def test_a_province_manager_sees_everyone(make_manager, learner, other_learner):
    manager = make_manager("qlt", [])
    ManagerScope.objects.create(user=manager, unit=None)
    assert set(learners_visible_to(manager)) == {learner, other_learner}
    assert units_for_manager(manager) is None


def test_a_user_in_no_role_sees_nobody(learner):
    nobody = get_user_model().objects.create_user("nobody")
    assert not learner_profiles_visible_to(nobody).exists()


def test_enrolment_scoping_for_each_role(
    course_tree, learner, other_learner, trainer, make_manager, unit
):
    mine = enrolment_create(learner=learner, course=course_tree.course)
    theirs = enrolment_create(learner=other_learner, course=course_tree.course)
    assert list(enrolments_visible_to(learner)) == [mine]
    assert set(enrolments_visible_to(trainer)) == {mine, theirs}
    manager = make_manager("qldk", [unit])
    assert list(enrolments_visible_to(manager)) == [mine]
    other_trainer = get_user_model().objects.create_user("t2")
    other_trainer.groups.add(*trainer.groups.all())
    assert not enrolments_visible_to(other_trainer).exists()

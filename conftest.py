"""Fixtures shared by every app's tests: people in each role and a small course tree."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from cms.cache import tree_changed
from lms.models import AdministrativeUnit, EthnicGroup, ManagerScope
from lms.roles import INDIVIDUALS_GROUP, MANAGERS_GROUP, TRAINERS_GROUP
from lms.services import learner_create


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    tree_changed()
    yield
    cache.clear()
    tree_changed()


@pytest.fixture
def unit(db):
    return AdministrativeUnit.objects.get(is_current=True, name="Phường Đông Kinh")


@pytest.fixture
def other_unit(db):
    return AdministrativeUnit.objects.get(is_current=True, name="Xã Thất Khê")


@pytest.fixture
def make_learner(db, unit):
    counter = {"n": 0}

    def make(username=None, unit_=None, **extra):
        counter["n"] += 1
        username = username or f"learner{counter['n']}"
        fields = dict(
            username=username,
            password="Mat-khau-2025",
            full_name=f"Học viên {counter['n']}",
            category="youth",
            sex="female",
            birth_year=2000,
            unit=unit_ or unit,
        )
        fields.update(extra)
        return learner_create(**fields)

    return make


@pytest.fixture
def learner(make_learner):
    return make_learner("hoa")


@pytest.fixture
def other_learner(make_learner, other_unit):
    return make_learner("duc", unit_=other_unit)


@pytest.fixture
def make_trainer(db):
    def make(username):
        user = get_user_model().objects.create_user(
            username, password="Mat-khau-2025", is_staff=True
        )
        user.groups.add(Group.objects.get(name=TRAINERS_GROUP))
        return user

    return make


@pytest.fixture
def trainer(make_trainer):
    return make_trainer("trainer")


@pytest.fixture
def make_manager(db):
    """A manager of ``units`` (``[None]``: the province); ``individuals``: also reads
    individual learners, not only aggregates."""

    def make(username, units, individuals=True):
        user = get_user_model().objects.create_user(username, password="Mat-khau-2025")
        user.groups.add(Group.objects.get(name=MANAGERS_GROUP))
        if individuals:
            user.groups.add(Group.objects.get(name=INDIVIDUALS_GROUP))
        for unit_ in units:
            ManagerScope.objects.create(user=user, unit=unit_)
        return user

    return make


@pytest.fixture
def tay(db):
    return EthnicGroup.objects.get(code_list="QD-121-TCTK-1979", name="Tày")


@pytest.fixture
def course_tree(db, trainer):
    """Catalogue > program > course with two modules: three required lessons, one optional."""
    from tests.factories import build_course

    return build_course(trainer=trainer)

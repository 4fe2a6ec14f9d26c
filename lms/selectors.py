"""Permission-scoped reads of people and units."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import AdministrativeUnit, LearnerProfile, ManagerScope
from .roles import is_admin, is_manager, sees_individuals


def current_units() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(
        is_current=True, level=AdministrativeUnit.Level.COMMUNE
    ).order_by("sort_key")


def units_for_manager(user) -> QuerySet[AdministrativeUnit] | None:
    """The current units a manager answers for; ``None`` means the whole province."""
    if is_admin(user):
        return None
    if not is_manager(user):
        return AdministrativeUnit.objects.none()
    scopes = ManagerScope.objects.filter(user=user)
    if scopes.filter(unit__isnull=True).exists():
        return None
    return AdministrativeUnit.objects.filter(pk__in=scopes.values("unit_id"))


def learner_profiles_visible_to(user) -> QuerySet[LearnerProfile]:
    """Profiles a user may read: their own; a manager's units (for a manager allowed to
    see individuals); everyone for an admin."""
    profiles = LearnerProfile.objects.select_related("unit", "user")
    if not user.is_authenticated:
        return profiles.none()
    if is_admin(user):
        return profiles
    if is_manager(user) and sees_individuals(user):
        units = units_for_manager(user)
        if units is None:
            return profiles
        return profiles.filter(unit__current_unit__in=units)
    return profiles.filter(user=user)


def learners_visible_to(user) -> QuerySet:
    """Users whose learning records ``user`` may read (see ``learner_profiles_visible_to``)."""
    return get_user_model().objects.filter(learner_profile__in=learner_profiles_visible_to(user))

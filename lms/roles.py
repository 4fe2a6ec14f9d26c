"""The four roles and how a user is placed in them.

Learners have a LearnerProfile; trainers and managers belong to a Django group (which
carries their Wagtail permissions) and are further scoped: trainers to the courses they
teach, managers to their administrative units; admins are superusers.
"""

from enum import StrEnum

TRAINERS_GROUP = "Giảng viên"
MANAGERS_GROUP = "Quản lý"
# Managers in this group also read individual learners' records in their units (the
# others read aggregates only).
INDIVIDUALS_GROUP = "Xem số liệu từng học viên"


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"
    # Not a role of its own: a manager's leave to read individual learners.
    READS_INDIVIDUALS = "reads_individuals"


def user_roles(user) -> set[Role]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_lms_roles", None)
    if cached is not None:
        return cached
    roles: set[Role] = set()
    if user.is_superuser:
        roles.add(Role.ADMIN)
    group_names = set(user.groups.values_list("name", flat=True))
    if TRAINERS_GROUP in group_names:
        roles.add(Role.TRAINER)
    if MANAGERS_GROUP in group_names:
        roles.add(Role.MANAGER)
        if INDIVIDUALS_GROUP in group_names:
            roles.add(Role.READS_INDIVIDUALS)
    if hasattr(user, "learner_profile"):
        roles.add(Role.LEARNER)
    user._lms_roles = roles
    return roles


def is_admin(user) -> bool:
    return Role.ADMIN in user_roles(user)


def is_trainer(user) -> bool:
    return Role.TRAINER in user_roles(user)


def is_manager(user) -> bool:
    return Role.MANAGER in user_roles(user)


def sees_individuals(user) -> bool:
    """May read individual learners (in their scope), not only aggregates."""
    return is_admin(user) or Role.READS_INDIVIDUALS in user_roles(user)

"""The four roles and how a user is placed in them.

Learners have a LearnerProfile; trainers and managers belong to a Django group (which
carries their Wagtail permissions) and are further scoped: trainers to the courses they
teach, managers to their administrative units; admins are superusers.
"""

from enum import StrEnum

TRAINERS_GROUP = "Giảng viên"
MANAGERS_GROUP = "Quản lý"


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"


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

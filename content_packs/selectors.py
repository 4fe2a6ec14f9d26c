"""Reads for the players: what a lesson's block plays, who may play it, and the
learner-bound addresses its files go out under."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache

from courses.access import access_course_media
from courses.models import Activity
from courses.selectors import placed_activity

from .kind import PACKAGE, package_key_of
from .models import Package, PackageState, ScormAttempt

TOKEN_SALT = "content_packs.play"
# A learner's right to a package is checked again at most this often while its files
# load (an H5P exercise is a hundred small files).
ACCESS_RECHECK_SECONDS = 60


@dataclass(frozen=True)
class BlockPlayer:
    """What a lesson's block renders: the same for every learner (the lesson body is
    cached), so nothing about the learner; the page's script asks for the rest."""

    activity_id: uuid.UUID | None
    kind: str
    title: str


@dataclass(frozen=True)
class Play:
    learner_id: int
    activity: Activity
    package: Package


def player_context(package: Package | None, page, request=None) -> BlockPlayer | None:
    if package is None:
        return None
    _course_id, activity_id = placed_activity(page, kind=PACKAGE, key=package.key)
    return BlockPlayer(activity_id=activity_id, kind=package.kind, title=package.title)


def access_package_activity(user, activity_id: uuid.UUID) -> tuple[Activity, Package] | None:
    """The activity and its package when ``user`` may play it (an enrolled learner of
    its course, one of its trainers, an admin); None otherwise, whatever the reason."""
    activity = Activity.objects.filter(pk=activity_id, kind=PACKAGE, is_active=True).first()
    if activity is None or not user.is_authenticated:
        return None
    package = (
        Package.objects.select_related("collection").filter(key=package_key_of(activity)).first()
    )
    if package is None or not access_course_media(user, package.collection):
        return None
    return activity, package


def play_token(*, learner_id: int, activity_id: uuid.UUID) -> str:
    return signing.dumps([learner_id, activity_id.hex], salt=TOKEN_SALT, compress=False)


def play_from_token(token: str) -> Play | None:
    """Whom a package address was handed to, if it is genuine, fresh, and they may
    still play it (withdrawn learners lose their open addresses within a minute)."""
    try:
        learner_id, activity_hex = signing.loads(
            token, salt=TOKEN_SALT, max_age=settings.CONTENT_TOKEN_SECONDS
        )
        activity_id = uuid.UUID(hex=activity_hex)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    key = f"content-packs:play:{learner_id}:{activity_id.hex}"
    found = cache.get(key)
    if found is None:
        user = get_user_model().objects.filter(pk=learner_id, is_active=True).first()
        allowed = access_package_activity(user, activity_id) if user is not None else None
        found = allowed or False
        cache.set(key, found, ACCESS_RECHECK_SECONDS)
    if not found:
        return None
    activity, package = found
    return Play(learner_id=learner_id, activity=activity, package=package)


def package_state(*, learner_id: int, activity_id: uuid.UUID) -> dict:
    state = (
        PackageState.objects.filter(learner_id=learner_id, activity_id=activity_id)
        .values_list("state", flat=True)
        .first()
    )
    return state if isinstance(state, dict) else {}


def scorm_attempt_current(*, learner_id: int, activity_id: uuid.UUID) -> ScormAttempt | None:
    return (
        ScormAttempt.objects.filter(learner_id=learner_id, activity_id=activity_id)
        .order_by("-number")
        .first()
    )

"""Writes of people and their profiles."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import AdministrativeUnit, EthnicGroup, LearnerProfile
from .text import normalise


def learner_create(
    *,
    username: str,
    password: str | None,
    full_name: str,
    category: str,
    sex: str,
    birth_year: int,
    unit: AdministrativeUnit,
    email: str = "",
    occupation: str = "",
    phone: str = "",
    ethnic_consent: bool | None = None,
    ethnic_group: EthnicGroup | None = None,
):
    """Create a learner account and profile together.

    ``ethnic_consent`` is the learner's own answer to the separate consent question:
    ``None`` when it was not asked, ``False`` when declined. The group is stored only
    with consent; without it any group passed in is dropped.
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        profile = LearnerProfile(
            user=user,
            full_name=normalise(full_name).strip(),
            category=category,
            sex=sex,
            birth_year=birth_year,
            unit=unit,
            occupation=normalise(occupation).strip(),
            phone=phone.strip(),
        )
        _apply_consent(profile, ethnic_consent, ethnic_group)
        profile.full_clean(exclude=["user"])
        profile.save()
    return user


def _apply_consent(profile: LearnerProfile, consent: bool | None, group: EthnicGroup | None):
    if consent is None:
        profile.ethnic_consent = LearnerProfile.EthnicConsent.NOT_ASKED
        profile.ethnic_consent_at = None
        profile.ethnic_group = None
        return
    profile.ethnic_consent_at = timezone.now()
    if consent:
        profile.ethnic_consent = LearnerProfile.EthnicConsent.GIVEN
        profile.ethnic_group = group
    else:
        profile.ethnic_consent = LearnerProfile.EthnicConsent.DECLINED
        profile.ethnic_group = None


def learner_ethnicity_set(
    *, profile: LearnerProfile, consent: bool, group: EthnicGroup | None
) -> LearnerProfile:
    """Record a new answer; withdrawing consent erases the stored group at once."""
    _apply_consent(profile, consent, group)
    profile.save(update_fields=["ethnic_consent", "ethnic_consent_at", "ethnic_group"])
    return profile

"""Writes of people and their profiles."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import person_rules
from .models import AdministrativeUnit, EthnicGroup, LearnerProfile
from .text import readable_secret

# Long enough against guessing for the minutes it lives, short enough to read out on
# the phone; the readable alphabet has no look-alikes.
ONE_TIME_PASSWORD_LENGTH = 10


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
    one_time_password: bool = False,
):
    """Create a learner account and profile together.

    ``ethnic_consent`` is the learner's own answer to the separate consent question:
    ``None`` when it was not asked, ``False`` when declined. The group is stored only
    with consent; without it any group passed in is dropped. ``one_time_password``: the
    password was made for the learner by someone else (a cohort import), and must be
    changed at the first sign-in.
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(
            username=person_rules.clean_username(username),
            email=person_rules.clean_email(email),
            password=password,
        )
        profile = LearnerProfile(
            user=user,
            full_name=person_rules.clean_full_name(full_name),
            category=category,
            sex=sex,
            birth_year=birth_year,
            unit=unit,
            occupation=person_rules.clean_occupation(occupation),
            phone=person_rules.clean_phone(phone),
            must_change_password=one_time_password,
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


def learner_profile_update(
    *,
    profile: LearnerProfile,
    full_name: str,
    sex: str,
    unit: AdministrativeUnit,
    phone: str = "",
    email: str = "",
) -> LearnerProfile:
    """The learner's own changes to the details they keep up to date."""
    with transaction.atomic():
        profile.full_name = person_rules.clean_full_name(full_name)
        profile.sex = sex
        profile.unit = unit
        profile.phone = person_rules.clean_phone(phone)
        profile.full_clean(exclude=["user"])
        profile.save()
        user = profile.user
        user.email = person_rules.clean_email(email)
        user.save(update_fields=["email"])
    return profile


def learner_password_reset(*, learner) -> str:
    """Give a learner who cannot get back in (no e-mail) a one-time password.

    Returns the password, to be handed over once; it must be changed at the next
    sign-in. Setting it signs the learner out everywhere, since Django ties sessions to
    the password. Who may do this is the caller's access check.
    """
    password = readable_secret(ONE_TIME_PASSWORD_LENGTH)
    with transaction.atomic():
        profile = LearnerProfile.objects.select_for_update().get(user=learner)
        learner.set_password(password)
        learner.save(update_fields=["password"])
        profile.must_change_password = True
        profile.save(update_fields=["must_change_password"])
    return password


def learner_password_chosen(*, user) -> None:
    """The person set a password of their own: a one-time one no longer needs changing."""
    LearnerProfile.objects.filter(user=user, must_change_password=True).update(
        must_change_password=False
    )

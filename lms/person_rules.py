"""The rules a person's details follow, whichever way they enter: sign-up, the profile
page, a trainer's cohort file, the admin.

Each rule takes the raw value and returns the cleaned one or raises Django's
``ValidationError`` with a message a learner (or a trainer reading a row error) can act
on, so forms and the cohort import report the same thing in the same words.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .text import fold, normalise

NAME_MAX_LENGTH = 150
USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH = 3, 150
PHONE_MAX_LENGTH = 20
OCCUPATION_MAX_LENGTH = 200
# The oldest learners the programme serves were born in the 1920s; the youngest
# learners are ten (vocational classes for minority youth start at lower secondary).
BIRTH_YEAR_MIN = 1920
YOUNGEST_AGE = 10

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]+$")
PHONE_RE = re.compile(r"^[0-9 +().-]*$")
# Unicode categories a name may not hold: controls (Cc), invisible formatting such as
# U+202E RIGHT-TO-LEFT OVERRIDE or U+200B ZERO WIDTH SPACE (Cf), line and paragraph
# separators (Zl, Zp), private-use (Co) and unassigned (Cn) code points, and surrogates
# (Cs). Any of them would go onto a certificate that others verify.
REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"}


def birth_year_range(today: date | None = None) -> tuple[int, int]:
    """The birth years accepted, oldest first: the same for sign-up, profile and import."""
    today = today or date.today()
    return BIRTH_YEAR_MIN, today.year - YOUNGEST_AGE


def has_refused_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in text)


def clean_full_name(value: str) -> str:
    name = " ".join(normalise(value).split())
    if has_refused_characters(value):
        # Checked on the raw value: split() would silently drop some of them.
        raise ValidationError(_("Họ và tên có ký tự không hợp lệ."), code="name_characters")
    if not name:
        raise ValidationError(_("Hãy nhập họ và tên."), code="name_empty")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Họ và tên dài quá %(n)s ký tự.") % {"n": NAME_MAX_LENGTH}, code="name_long"
        )
    if not any(ch.isalpha() for ch in name):
        raise ValidationError(_("Họ và tên phải có chữ."), code="name_letters")
    return name


def clean_username(value: str) -> str:
    """ASCII letters, digits and @ . + - _, as the sign-up help says: "Hòa" or a Cyrillic
    look-alike "hoа" could never be matched by a trainer's list, nor told apart on
    screen."""
    username = (value or "").strip()
    if not USERNAME_RE.fullmatch(username):
        raise ValidationError(
            _("Tên đăng nhập chỉ gồm chữ không dấu, số và @ . + - _."), code="username_chars"
        )
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise ValidationError(
            _("Tên đăng nhập dài từ %(min)s đến %(max)s ký tự.")
            % {"min": USERNAME_MIN_LENGTH, "max": USERNAME_MAX_LENGTH},
            code="username_length",
        )
    return username


def clean_birth_year(value) -> int:
    low, high = birth_year_range()
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not low <= year <= high:
        raise ValidationError(
            _("Năm sinh phải từ %(low)s đến %(high)s.") % {"low": low, "high": high},
            code="birth_year",
        )
    return year


def clean_phone(value: str) -> str:
    phone = (value or "").strip()
    if len(phone) > PHONE_MAX_LENGTH or not PHONE_RE.fullmatch(phone):
        raise ValidationError(_("Số điện thoại không hợp lệ."), code="phone")
    return phone


def clean_email(value: str) -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(_("Email không hợp lệ."), code="email") from exc
    return email


def clean_occupation(value: str) -> str:
    occupation = " ".join(normalise(value).split())
    if has_refused_characters(value):
        raise ValidationError(
            _("Cơ quan/nghề nghiệp có ký tự không hợp lệ."), code="occupation_characters"
        )
    if len(occupation) > OCCUPATION_MAX_LENGTH:
        raise ValidationError(_("Cơ quan/nghề nghiệp quá dài."), code="occupation_long")
    return occupation


def choice_from_label(value: str, choices) -> str | None:
    """The code of a choice typed as its code or as its label, ignoring case and
    diacritics: "youth", "Thanh niên" and "thanh nien" all give "youth"."""
    wanted = fold(value)
    if not wanted:
        return None
    for code, label in choices:
        with translation.override("vi"):
            vietnamese = fold(str(label))
        if code and wanted in (fold(code), vietnamese, fold(str(label))):
            return code
    return None

"""The reports' dimensions: how a learner and a moment are placed in the rollups."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Age at enrolment, so that a learner's cells do not move as years pass. The second
# band is the youth of the Law on Youth (16 to 30).
AGE_BANDS = (
    ("u16", _("Dưới 16"), 0, 15),
    ("16-30", _("16–30"), 16, 30),
    ("31-45", _("31–45"), 31, 45),
    ("46-60", _("46–60"), 46, 60),
    ("61+", _("Trên 60"), 61, 200),
)
AGE_BAND_LABELS = {code: label for code, label, _lo, _hi in AGE_BANDS}

# Learners who did not give (or declined) their ethnic group are counted here.
ETHNIC_NOT_STATED = 0


def age_band(birth_year: int, on: date) -> str:
    age = on.year - birth_year
    for code, _label, low, high in AGE_BANDS:
        if low <= age <= high:
            return code
    return AGE_BANDS[0][0] if age < 0 else AGE_BANDS[-1][0]


def month_of(moment: datetime | date) -> date:
    """The first day of the month a moment falls in, in the province's time zone."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)

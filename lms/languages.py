"""The languages teaching happens in: a course's language, a recording's subtitles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    VIETNAMESE = "vi", _("Tiếng Việt")
    TAY = "tyz", _("Tiếng Tày")
    NUNG = "nut", _("Tiếng Nùng")
    DAO = "ium", _("Tiếng Dao")
    HMONG = "hnj", _("Tiếng H'Mông")

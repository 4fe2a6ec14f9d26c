"""Durations as a reader says them: "1 giờ 4 phút", "45 phút", "dưới 1 phút"."""

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def minutes_text(minutes) -> str:
    if minutes is None or minutes == "":
        return ""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d giờ", "%(n)d giờ", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d phút", "%(n)d phút", rest) % {"n": rest})
    return " ".join(parts)


@register.filter
def seconds_text(seconds) -> str:
    if seconds is None or seconds == "":
        return ""
    seconds = int(seconds)
    if 0 < seconds < 60:
        return gettext("dưới 1 phút")
    return minutes_text((seconds + 30) // 60)

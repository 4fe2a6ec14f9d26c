from django import template
from django.utils.formats import number_format

register = template.Library()

HIDDEN = "*"


@register.filter
def measure(figures, name: str) -> str:
    """A figure as the reader may see it: "*" when it is a small cell hidden for privacy."""
    value = figures.get(name)
    return HIDDEN if value is None else number_format(value, force_grouping=True)


@register.filter
def cell(value) -> str:
    return HIDDEN if value is None else number_format(value, force_grouping=True)


@register.filter
def hours(figures, name: str = "seconds") -> str:
    if name in figures.hidden:
        return HIDDEN
    return number_format(round(getattr(figures, name) / 3600, 1), 1, force_grouping=True)

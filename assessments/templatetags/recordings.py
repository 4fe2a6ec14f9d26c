from django import template

from assessments.services.recordings import max_bytes, max_seconds

register = template.Library()


@register.inclusion_tag("assessments/_recorder.html")
def recorder(attempt, shown, answer):
    """The recorder of a spoken question in an open attempt, with the limits it keeps."""
    saved = answer.get("recording", "") if isinstance(answer, dict) else ""
    return {
        "attempt": attempt,
        "shown": shown,
        "saved": saved,
        "max_seconds": int(max_seconds()),
        "max_bytes": max_bytes(),
    }


@register.filter
def any_spoken(questions) -> bool:
    """Whether an attempt's questions ask for a recording (the recorder's script is
    loaded only then: a phone on 3G fetches nothing it does not use)."""
    return any(getattr(item.shown, "qtype", "") == "spoken" for item in questions)

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

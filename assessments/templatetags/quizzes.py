from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``mapping[key]`` for a saved answer's dict, whose keys are strings."""
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(str(key), "")


@register.filter
def chosen(answer, key) -> bool:
    if not isinstance(answer, dict):
        return False
    return answer.get("option") == key or key in answer.get("options", [])


@register.filter
def ordering_positions(options, answer) -> list:
    """The item at each position: as saved, else as shown."""
    saved = answer.get("order") if isinstance(answer, dict) else None
    if saved and len(saved) == len(options):
        return saved
    return [option.key for option in options]


@register.inclusion_tag("assessments/_quiz_card.html", takes_context=True)
def quiz_card(context, quiz, note=""):
    """A quiz in a lesson: shown only if it is a published quiz of the lesson's course.

    The lesson body is rendered once and cached for every learner, so the card says
    nothing about the one reading it; their attempts are on the quiz's own page.
    """
    page = context.get("page")
    if quiz is None or not quiz.published:
        return {"quiz": None}
    if page is not None and not page.path.startswith(quiz.course.path):
        return {"quiz": None}
    return {"quiz": quiz, "note": note}

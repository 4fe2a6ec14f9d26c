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
    """A quiz in a lesson: shown only if it is a published quiz of the lesson's course."""
    from assessments.selectors import quiz_standing

    page = context.get("page")
    course = context.get("course")
    course_id = getattr(course, "pk", None) or getattr(course, "id", None)
    if quiz is None or not quiz.published or (course_id and quiz.course_id != course_id):
        return {"quiz": None}
    request = context.get("request")
    standing = None
    if request is not None and request.user.is_authenticated and not context.get("preview"):
        standing = quiz_standing(quiz, request.user)
    return {"quiz": quiz, "note": note, "standing": standing, "page": page}

from django import template

from courses.services.enrolment import invitations_pending_for

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_invitations(context):
    """The signed-in learner's invitations waiting for an answer."""
    request = context.get("request")
    if request is None:
        return []
    return list(invitations_pending_for(request.user))

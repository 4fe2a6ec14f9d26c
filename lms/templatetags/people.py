from django import template
from django.urls import reverse

from lms.roles import Role, user_roles
from lms.selectors import learner_profiles_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def learner_password_reset_url(context, learner) -> str:
    """Where the signed-in manager or admin gives ``learner`` a one-time password, or ""
    when they may not (trainers do it from their course's roster)."""
    user = context["request"].user
    if not ({Role.MANAGER, Role.ADMIN} & user_roles(user)) or learner.pk == user.pk:
        return ""
    if not learner_profiles_visible_to(user).filter(user=learner).exists():
        return ""
    return reverse("learner-password-reset", args=[learner.pk])

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .roles import user_roles

# The roles as of signing in, for the site's navigation only: every page shows the
# links of the visitor's roles without asking the database on each request. Access
# checks never read this; they ask the roles afresh.
NAV_ROLES_KEY = "nav_roles"


@receiver(user_logged_in)
def remember_roles_for_navigation(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[NAV_ROLES_KEY] = sorted(user_roles(user))

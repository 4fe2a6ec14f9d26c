from django.contrib.auth import logout
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


# A sign-in with a one-time password waiting for its own password (lms.views).
FIRST_PASSWORD_KEY = "first-password"


@receiver(user_logged_in)
def refuse_one_time_passwords_elsewhere(sender, request, user, **kwargs):
    """The site's login view never signs in a learner whose password is a one-time one
    (it asks for their own first); any other login view (the admin's) must not either."""
    profile = getattr(user, "learner_profile", None)
    if request is not None and profile is not None and profile.must_change_password:
        logout(request)

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .forms import EthnicityForm, SignUpForm
from .http import next_url_or
from .roles import Role, user_roles
from .services import learner_create, learner_ethnicity_set


def signup(request):
    if request.user.is_authenticated:
        return redirect("my-learning")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = learner_create(
            username=data["username"],
            password=data["password1"],
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            category=data["category"],
            occupation=data["occupation"],
            sex=data["sex"],
            birth_year=data["birth_year"],
            unit=data["unit"],
            ethnic_consent=data["ethnic_consent"] == "yes",
            ethnic_group=data["ethnic_group"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Chào mừng %(name)s!") % {"name": data["full_name"]})
        return redirect(next_url_or(request, request.GET.get("next", ""), "/"))
    return TemplateResponse(request, "registration/signup.html", {"form": form})


# Where each role's work starts, checked in this order: a trainer who also learns
# lands on their classes, and "next" in the login link still wins.
LANDING_PAGES = [
    (Role.ADMIN, "wagtailadmin_home"),
    (Role.TRAINER, "courses_admin_my_courses"),
    (Role.MANAGER, "staff-progress"),
]


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        roles = user_roles(self.request.user)
        for role, url_name in LANDING_PAGES:
            if role in roles:
                return resolve_url(url_name)
        return resolve_url("my-learning")


class LogoutView(auth_views.LogoutView):
    """Signing out also empties the browser's HTTP cache, where copies of the learner's
    pages are: on a shared phone the next person must not read them. The lessons kept for
    offline reading (Cache Storage) are dropped by the service worker itself: Chromium
    clears Cache Storage only for "storage", which would also drop unsent progress."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"'
        return response


@login_required
def profile(request):
    learner = getattr(request.user, "learner_profile", None)
    form = None
    if learner is not None:
        initial = {
            "ethnic_consent": "yes" if learner.ethnic_consent == "given" else "no",
            "ethnic_group": learner.ethnic_group_id,
        }
        form = EthnicityForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            learner_ethnicity_set(
                profile=learner,
                consent=form.cleaned_data["ethnic_consent"] == "yes",
                group=form.cleaned_data["ethnic_group"],
            )
            messages.success(request, _("Đã lưu lựa chọn của bạn."))
            return redirect("profile")
    return TemplateResponse(
        request, "registration/profile.html", {"learner": learner, "form": form}
    )

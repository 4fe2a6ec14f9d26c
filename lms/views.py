import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .forms import EthnicityForm, ProfileForm, SignUpForm
from .http import next_url_or
from .roles import Role, user_roles
from .selectors import learner_profiles_visible_to
from .services import (
    learner_create,
    learner_ethnicity_set,
    learner_password_chosen,
    learner_password_reset,
    learner_profile_update,
)
from .signals import FIRST_PASSWORD_KEY

# How long a learner who signed in with a one-time password has to choose their own.
FIRST_PASSWORD_SECONDS = 15 * 60
ISSUED_PASSWORD_KEY = "issued-one-time-password"


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
    (Role.MANAGER, "reports-dashboard"),
]


def landing_url(user) -> str:
    roles = user_roles(user)
    for role, url_name in LANDING_PAGES:
        if role in roles:
            return resolve_url(url_name)
    return resolve_url("my-learning")


def _must_change_password(user) -> bool:
    profile = getattr(user, "learner_profile", None)
    return bool(profile and profile.must_change_password)


class LoginView(auth_views.LoginView):
    """Signs in, except with a one-time password: then the visitor is not signed in yet
    but sent to choose a password of their own, which is the only page open to them
    (and signing in completes there). Nothing else is reachable meanwhile, because they
    hold no session."""

    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def form_valid(self, form):
        user = form.get_user()
        if not _must_change_password(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[FIRST_PASSWORD_KEY] = {
            "user": user.pk,
            "hash": user.get_session_auth_hash(),
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        return redirect("password_first")


def _first_password_user(request):
    pending = request.session.get(FIRST_PASSWORD_KEY)
    if not pending or time.time() - pending["at"] > FIRST_PASSWORD_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    # A password set again meanwhile (another reset) voids the pending sign-in.
    if user is None or user.get_session_auth_hash() != pending["hash"]:
        return None, None
    return user, pending


@never_cache
@sensitive_post_parameters()
def password_first(request):
    """Choosing one's own password after signing in with a one-time password."""
    user, pending = _first_password_user(request)
    if user is None:
        request.session.pop(FIRST_PASSWORD_KEY, None)
        messages.info(request, _("Hãy đăng nhập lại bằng mật khẩu được cấp."))
        return redirect("login")
    form = SetPasswordForm(user, request.POST or None)
    form.fields["new_password1"].label = _("Mật khẩu mới")
    form.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
    if request.method == "POST" and form.is_valid():
        form.save()
        learner_password_chosen(user=user)
        request.session.pop(FIRST_PASSWORD_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Đã đặt mật khẩu mới. Hãy ghi nhớ mật khẩu này."))
        return redirect(next_url_or(request, pending.get("next") or "", landing_url(user)))
    return TemplateResponse(
        request, "registration/password_first.html", {"form": form, "person": user}
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        learner_password_chosen(user=form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        learner_password_chosen(user=form.user)
        return response


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
    """The learner's details (name, sex, commune, phone, e-mail) and, apart, their answer
    to the ethnicity question: two forms, each saved on its own."""
    learner = getattr(request.user, "learner_profile", None)
    context = {"learner": learner, "form": None, "details": None}
    if learner is None:
        return TemplateResponse(request, "registration/profile.html", context)
    which = None
    if request.method == "POST":
        # A form without the marker is the consent form, as it always was.
        which = request.POST.get("form") or (
            "ethnicity" if "ethnic_consent" in request.POST else "details"
        )
    details = ProfileForm(
        request.POST if which == "details" else None,
        initial={
            "full_name": learner.full_name,
            "sex": learner.sex,
            "unit": learner.unit_id,
            "phone": learner.phone,
            "email": request.user.email,
        },
    )
    ethnicity = EthnicityForm(
        request.POST if which == "ethnicity" else None,
        initial={
            "ethnic_consent": "yes" if learner.ethnic_consent == "given" else "no",
            "ethnic_group": learner.ethnic_group_id,
        },
    )
    if which == "details" and details.is_valid():
        learner_profile_update(profile=learner, **details.cleaned_data)
        messages.success(request, _("Đã lưu hồ sơ của bạn."))
        return redirect("profile")
    if which == "ethnicity" and ethnicity.is_valid():
        learner_ethnicity_set(
            profile=learner,
            consent=ethnicity.cleaned_data["ethnic_consent"] == "yes",
            group=ethnicity.cleaned_data["ethnic_group"],
        )
        messages.success(request, _("Đã lưu lựa chọn của bạn."))
        return redirect("profile")
    context.update({"form": ethnicity, "details": details})
    return TemplateResponse(request, "registration/profile.html", context)


@login_required
@never_cache
def learner_password_reset_view(request, learner_id: int):
    """A manager (for learners of their units) or an admin gives a learner without
    e-mail a one-time password. POST sets it and redirects; the next GET shows it once
    (kept in the session only until then)."""
    if not ({Role.MANAGER, Role.ADMIN} & user_roles(request.user)):
        raise Http404
    profile = get_object_or_404(
        learner_profiles_visible_to(request.user).exclude(user=request.user),
        user_id=learner_id,
    )
    return password_reset_page(request, profile, back=reverse("staff-learner", args=[learner_id]))


def password_reset_page(request, profile, *, back: str, base: str = "base.html"):
    """The shared page of a one-time password reset, for whichever role may do it."""
    issued = request.session.pop(ISSUED_PASSWORD_KEY, None)
    if issued and issued.get("user") != profile.user_id:
        issued = None
    if request.method == "POST":
        password = learner_password_reset(learner=profile.user)
        request.session[ISSUED_PASSWORD_KEY] = {"user": profile.user_id, "password": password}
        return redirect(request.path)
    return TemplateResponse(
        request,
        "registration/learner_password_reset.html",
        {
            "profile": profile,
            "password": issued and issued["password"],
            "back": back,
            "base_template": base,
        },
    )

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from parcours.accounts.backends import is_locked
from parcours.web.access import AUTHENTICATED, PUBLIC, allow
from parcours.web.forms import LoginForm

BAD_LOGIN = "Adresse e-mail ou mot de passe incorrect."
LOCKED = (
    "Ce compte est temporairement bloqué après trop d'essais infructueux. "
    "Réessayez dans quelques minutes ou réinitialisez votre mot de passe."
)


@allow(PUBLIC)
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(next_url or "web:home")
        form.add_error(None, LOCKED if is_locked(email) else BAD_LOGIN)
    return render(
        request, "web/auth/login.html", {"form": form, "next": next_url}, status=200 if not form.errors else 400
    )


@allow(AUTHENTICATED)
@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, "Vous êtes déconnecté·e.")
    return redirect("web:login")


def _public(view):
    return allow(PUBLIC)(view)


password_reset = _public(
    auth_views.PasswordResetView.as_view(
        template_name="web/auth/password_reset.html",
        email_template_name="web/auth/password_reset_email.txt",
        subject_template_name="web/auth/password_reset_subject.txt",
        success_url=reverse_lazy("web:password-reset-done"),
    )
)
password_reset_done = _public(
    auth_views.PasswordResetDoneView.as_view(template_name="web/auth/password_reset_done.html")
)
password_reset_confirm = _public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="web/auth/password_reset_confirm.html", success_url=reverse_lazy("web:password-reset-complete")
    )
)
password_reset_complete = _public(
    auth_views.PasswordResetCompleteView.as_view(template_name="web/auth/password_reset_complete.html")
)

"""E-mail + password login with an account lock after repeated failures."""

import datetime

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from parcours.accounts.models import User


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip().lower()
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email=email)
        except User.DoesNotExist:
            User().set_password(password)  # same cost whether the account exists or not
            return None
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            return None
        if user.locked_until:  # the lock has expired: count failures afresh
            user.failed_logins = 0
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        failures = user.failed_logins + 1
        locked = now + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(
            failed_logins=failures, locked_until=locked if failures >= settings.LOGIN_MAX_FAILURES else None
        )
        return None


def is_locked(email: str) -> bool:
    return User.objects.filter(email=email.strip().lower(), locked_until__gt=timezone.now()).exists()

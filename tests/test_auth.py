"""Logging in and out, account lock, password reset, revocation mid-session, health check."""

import datetime
import re

import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from parcours.accounts.models import Membership, User
from parcours.web.views.auth import BAD_LOGIN, LOCKED
from tests.world import PASSWORD

LOGIN = reverse("web:login")


def login(client, email, password, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_a_counselor_logs_in_and_lands_on_the_caseload(world):
    client = Client()
    response = login(client, "CIP@parcours.test", PASSWORD)  # e-mail case does not matter
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert logged_in_as(client) == str(world["cip"].pk)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:caseload")


def test_login_follows_a_local_next_but_never_another_site(world):
    client = Client()
    response = login(client, "cip@parcours.test", PASSWORD, next="/agenda/")
    assert response["Location"] == "/agenda/"
    client = Client()
    response = login(client, "cip@parcours.test", PASSWORD, next="https://hameconnage.example/parcours")
    assert response["Location"] == reverse("web:home")


def test_a_wrong_password_is_refused_in_french(world):
    client = Client()
    response = login(client, "cip@parcours.test", "pas-le-bon")
    assert response.status_code == 400
    assert escape(BAD_LOGIN) in response.content.decode()
    assert logged_in_as(client) is None


def test_an_unknown_address_gets_the_same_answer(world):
    response = login(Client(), "personne@parcours.test", "pas-le-bon")
    assert response.status_code == 400 and escape(BAD_LOGIN) in response.content.decode()


def test_a_deactivated_account_cannot_log_in(world):
    client = Client()
    assert login(client, "inactif@parcours.test", PASSWORD).status_code == 400
    assert logged_in_as(client) is None


def test_the_account_is_locked_after_the_maximum_number_of_failures(world):
    client = Client()
    limit = settings.LOGIN_MAX_FAILURES
    assert limit == 10
    for attempt in range(1, limit):
        response = login(client, "cip@parcours.test", f"mauvais-{attempt}")
        assert escape(BAD_LOGIN) in response.content.decode(), attempt
    response = login(client, "cip@parcours.test", "mauvais-encore")
    assert response.status_code == 400
    assert escape(LOCKED) in response.content.decode()
    assert "temporairement bloqué" in response.content.decode()
    # The right password does not open a locked account.
    response = login(client, "cip@parcours.test", PASSWORD)
    assert response.status_code == 400 and escape(LOCKED) in response.content.decode()
    assert logged_in_as(client) is None
    # After the lock period, the right password works again and the counter is reset.
    later = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES, seconds=5)
    with time_machine.travel(later, tick=False):
        assert login(client, "cip@parcours.test", PASSWORD).status_code == 302
    assert User.objects.get(pk=world["cip"].pk).failed_logins == 0


def test_failures_below_the_limit_are_forgotten_after_a_success(world):
    client = Client()
    for attempt in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "cip@parcours.test", f"mauvais-{attempt}")
    assert login(client, "cip@parcours.test", PASSWORD).status_code == 302
    client.post(reverse("web:logout"))
    response = login(client, "cip@parcours.test", "encore-mauvais")
    assert escape(BAD_LOGIN) in response.content.decode()  # not locked: the count started again


def test_the_lock_of_one_account_does_not_lock_another(world):
    for attempt in range(settings.LOGIN_MAX_FAILURES):
        login(Client(), "cip@parcours.test", f"mauvais-{attempt}")
    assert login(Client(), "as@parcours.test", PASSWORD).status_code == 302


# --- Password reset ----------------------------------------------------------------------------------------


def test_password_reset_sends_a_working_link(world):
    client = Client()
    response = client.post(reverse("web:password-reset"), {"email": "cip@parcours.test"})
    assert response.status_code == 302 and response["Location"] == reverse("web:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cip@parcours.test"]
    assert "Camille" in message.body
    link = re.search(r"https?://[^/\s]+(/mot-de-passe/nouveau/[^\s]+/)", message.body).group(1)

    response = client.get(link)  # Django swaps the token for a session-held one
    assert response.status_code == 302
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    new_password = "un-nouveau-mot-de-passe-solide-42"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302 and response["Location"] == reverse("web:password-reset-complete")

    assert login(Client(), "cip@parcours.test", PASSWORD).status_code == 400
    assert login(Client(), "cip@parcours.test", new_password).status_code == 302
    assert client.get(link).status_code == 200  # the link works once
    assert "plus valable" in client.get(link).content.decode()


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(world):
    response = Client().post(reverse("web:password-reset"), {"email": "inconnu@parcours.test"})
    assert response.status_code == 302 and response["Location"] == reverse("web:password-reset-done")
    assert mail.outbox == []


# --- Logout and revocation (T-B5) --------------------------------------------------------------------------


def test_logout_needs_a_post(world, client_for):
    client = client_for("cip")
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.get(reverse("web:caseload")).status_code == 200  # still logged in
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "Vous êtes déconnecté·e." in client.get(LOGIN).content.decode()
    response = client.get(reverse("web:caseload"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN + "?next=")


def test_a_deactivated_account_loses_its_open_session(world, client_for):
    client = client_for("cip")
    file_url = reverse("web:person", args=[world.alice.public_id])
    assert client.get(file_url).status_code == 200
    User.objects.filter(pk=world["cip"].pk).update(is_active=False)
    response = client.get(file_url)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_ended_membership_closes_access_on_the_next_request(world, client_for):
    client = client_for("cip")
    file_url = reverse("web:person", args=[world.alice.public_id])
    assert client.get(file_url).status_code == 200
    Membership.objects.filter(user=world["cip"]).update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert client.get(file_url).status_code == 403
    assert client.get(reverse("web:caseload")).status_code == 403


def test_leaving_the_care_team_closes_the_file_on_the_next_request(world, client_for):
    client = client_for("psychologist")
    file_url = reverse("web:person", args=[world.alice.public_id])
    assert client.get(file_url).status_code == 200
    world.follow_up.team.filter(user=world["psychologist"]).update(until=timezone.localdate())
    assert client.get(file_url).status_code == 404


# --- Health check ------------------------------------------------------------------------------------------


def test_healthz_answers_json_without_login(db):
    response = Client().get(reverse("web:healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": {"status": "ok", "vendor": connection.vendor}}
    assert "no-cache" in response["Cache-Control"]

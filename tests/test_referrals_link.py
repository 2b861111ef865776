"""The partner's signed link: opens one referral only, shows only what was shared, expires, and never reaches the
logs; the same actions as with an account."""

import datetime
import html
import logging
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parcours.referrals import links, services
from parcours.referrals.enums import ReferralStatus, SharedItem
from parcours.referrals.models import Attendance, Referral
from parcours.rsvp.tokens import token_for as rsvp_token_for
from tests.test_referrals_support import make_service, send, sent_mail
from tests.world import CANARY


def url(referral) -> str:
    return reverse("web:referral-link", args=[links.token_for(referral)])


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_the_link_in_the_partners_mail_opens_the_referral_with_the_minimum(world):
    send(world)
    [email] = sent_mail()
    path = re.search(r"https?://[^/]+(/partenaire/orientation/[^\s]+/)", email.body).group(1)
    response = Client().get(path)
    assert response.status_code == 200
    html = text(response)
    assert "Orientation vers « Auto-école sociale »" in html and "Alice D." in html
    for secret in ("Durand", "DURAND", "0601020304", "Mobilité</dd>", CANARY["goal"], CANARY["health"]):
        assert secret not in html, secret
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_link_shows_what_was_shared_and_nothing_else(world):
    referral = send(world, shared=[SharedItem.CONTACT, SharedItem.GOALS], message="Préfère le matin.")
    html = text(Client().get(url(referral)))
    assert "0601020304" in html and CANARY["goal"] in html and "Préfère le matin." in html
    assert "Freins concernés" not in html and CANARY["health_barrier"] not in html and CANARY["diagnostic"] not in html


def test_expired_tampered_superseded_and_foreign_tokens_all_get_the_same_404(world):
    referral = send(world)
    other = send(world, make_service(world, name="Vélo-école"))
    token = links.token_for(referral)
    value, signature = token.split(".")
    other_value = links.token_for(other).split(".")[0]
    old = links.token_for(referral)
    services.send_new_link(referral, by=world["cip"])  # version 2: `old` is superseded
    referral.refresh_from_db()
    expired = send(world, make_service(world, name="Permis B"))
    expired_token = links.token_for(expired)
    Referral.objects.filter(pk=expired.pk).update(link_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = Client()
    answers = [
        client.get(reverse("web:referral-link", args=["pas-un-jeton"])),
        client.get(reverse("web:referral-link", args=[value + "." + signature[:-2] + "xx"])),  # tampered
        client.get(reverse("web:referral-link", args=[other_value + "." + signature])),  # another referral's value
        client.get(reverse("web:referral-link", args=[old])),  # superseded by a new link
        client.get(reverse("web:referral-link", args=[expired_token])),
        client.post(reverse("web:referral-link", args=[expired_token]), {"action": "accept"}),
        client.get(reverse("web:referral-link", args=[rsvp_token_for(world.appointment_future)])),  # other salt
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    html = text(answers[0])
    assert "Ce lien n'est plus valable" in html and "Alice" not in html and "Auto-école" not in html
    assert Referral.objects.get(pk=expired.pk).status == ReferralStatus.SENT
    assert client.get(url(referral)).status_code == 200  # the new link works
    assert client.get(url(other)).status_code == 200


def test_the_partner_answers_through_the_link_step_by_step(world):
    referral = send(world)
    link, client = url(referral), Client(enforce_csrf_checks=False)
    response = client.post(link, {"action": "refuse", "refuse-reason": "other", "refuse-detail": ""})
    assert response.status_code == 409 and "Précisez le motif du refus" in text(response)
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 200 and "Orientation acceptée" in text(response)
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 409 and "Seule une orientation en attente" in text(response)
    today = timezone.localdate().isoformat()
    assert client.post(link, {"action": "start", "start-on": ""}).status_code == 400
    assert client.post(link, {"action": "start", "start-on": today}).status_code == 200
    response = client.post(link, {"action": "attendance", "attendance-on": today, "attendance-present": "0"})
    assert response.status_code == 200 and "Absente" in text(response)
    assert client.post(link, {"action": "complete", "complete-on": today}).status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.started_on, referral.completed_on) == (
        "completed",
        timezone.localdate(),
        timezone.localdate(),
    )
    assert referral.answered_by is None and Attendance.objects.get(referral=referral).present is False
    assert {e.via for e in referral.events.exclude(kind="sent")} == {"link"}
    subjects = [e.subject.rsplit(": ", 1)[1] for e in sent_mail() if e.to == ["cip@parcours.test"]]
    assert subjects == ["acceptée", "action démarrée", "absence signalée", "action terminée"]


def test_an_unknown_action_is_refused_and_changes_nothing(world):
    referral = send(world)
    response = Client().post(url(referral), {"action": "delete"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_forms_work_with_csrf_enforced(world):
    referral = send(world)
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(referral))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(url(referral), {"action": "accept", "csrfmiddlewaretoken": csrf}).status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED


def test_the_token_never_reaches_the_logs(world, caplog):
    referral = send(world)
    token = links.token_for(referral)
    expired = send(world, make_service(world, name="Vélo-école"))
    expired_token = links.token_for(expired)
    Referral.objects.filter(pk=expired.pk).update(link_expires_at=timezone.now() - datetime.timedelta(days=1))
    caplog.set_level(logging.DEBUG)
    Client().get(reverse("web:referral-link", args=[expired_token]))  # 404: django.request logs the path
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("web:referral-link", args=[token]), {"action": "accept"}).status_code == 403
    messages = [record.getMessage() for record in caplog.records]
    assert any("Not Found" in m and "/partenaire/orientation/[jeton masqué]/" in m for m in messages), messages
    assert any("Forbidden" in m and "[jeton masqué]" in m for m in messages), messages
    for secret in (token, expired_token, token.split(".")[1], expired_token.split(".")[0]):
        assert not any(secret in m for m in messages)

"""Referral pages: sending from the person's file, « Mes orientations », the referral's page, the partner's
account (« Orientations reçues ») and its scope."""

import datetime
import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.referrals import services
from parcours.referrals.enums import ReferralStatus, Via
from parcours.referrals.models import Referral
from tests.test_referrals_support import make_service, make_structure, referral_in, send, sent_mail
from tests.world import CANARY


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def create_url(world, service):
    return reverse("web:referral-create", args=[world.alice.public_id, service.public_id])


# --- Sending --------------------------------------------------------------------------------------------


def test_the_cip_sends_a_referral_with_the_persons_consent(world, client_for):
    service = make_service(world)
    client = client_for("cip")
    page = client.get(create_url(world, service))
    assert page.status_code == 200
    html = text(page)
    assert "Orienter Alice DURAND vers « Auto-école sociale »" in html and "6 h par semaine" in html
    assert 'name="shared" value="contact"' in html and "checked" not in html.split('name="consent"')[0][-400:]
    refused = client.post(create_url(world, service), {"shared": ["contact"], "message": "Bonjour"})
    assert refused.status_code == 400 and "Recueillez l'accord de la personne" in text(refused)
    assert not Referral.objects.exists()
    response = client.post(create_url(world, service), {"shared": ["contact"], "message": "Bonjour", "consent": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:person", args=[world.alice.public_id]) + "#referrals"
    referral = Referral.objects.get()
    assert referral.shared == ["identity", "contact", "message"] and referral.consent_by == world["cip"]
    file = text(client.get(response["Location"]))
    assert "Orientations vers des services" in file and "Envoyée, en attente de réponse" in file


def test_a_service_that_is_not_published_cannot_be_chosen(world, client_for):
    service = make_service(world, status="suspended")
    assert client_for("cip").get(create_url(world, service)).status_code == 404


def test_a_second_referral_to_the_same_service_is_refused_on_the_page(world, client_for):
    service = make_service(world)
    send(world, service)
    response = client_for("cip").post(create_url(world, service), {"consent": "on"})
    assert response.status_code == 400 and "déjà en cours" in text(response)


def test_the_file_section_follows_the_socio_pro_section(world, client_for):
    send(world)
    alice = reverse("web:person", args=[world.alice.public_id])
    assert "Auto-école sociale" in text(client_for("digital_advisor").get(alice))
    html = text(client_for("socio_esthetician").get(alice))
    assert "Orientations vers des services" not in html and "Auto-école sociale" not in html


# --- The referent ---------------------------------------------------------------------------------------


def test_mes_orientations_sorts_late_waiting_in_progress_and_done(world, client_for):
    late = send(world, make_service(world, name="Garage solidaire"))
    Referral.objects.filter(pk=late.pk).update(sent_at=timezone.now() - datetime.timedelta(days=9))
    send(world, make_service(world, name="Vélo-école"))
    referral_in(world, ReferralStatus.STARTED, make_service(world, name="Permis B"))
    referral_in(world, ReferralStatus.COMPLETED, make_service(world, name="Code de la route"))
    referral_in(world, ReferralStatus.REFUSED, make_service(world, name="Covoiturage"))
    html = text(client_for("cip").get(reverse("web:referrals-mine")))
    sections = dict(re.findall(r'<h2 id="group-[a-z_]+">([^<]+)<(.*?)</section>', html))
    assert "Garage solidaire" in sections["En retard "] and "Vélo-école" in sections["En attente de réponse "]
    assert "Permis B" in sections["En cours "] and "Code de la route" in sections["Terminées "]
    assert "Covoiturage" in sections["Refusées, expirées ou abandonnées "]
    assert "Nouveau" in sections["En cours "]  # the partner acted: news for the referent
    assert "Nouveau" not in sections["En attente de réponse "]  # sent by the referent herself
    # Other counselors do not see Alice's referrals.
    assert "Garage solidaire" not in text(client_for("cip_out").get(reverse("web:referrals-mine")))


def test_mes_orientations_runs_a_fixed_number_of_queries(world, client_for):
    client = client_for("cip")
    referral_in(world, ReferralStatus.STARTED, make_service(world, name="Permis B"))
    send(world, make_service(world, name="Vélo-école"))
    client.get(reverse("web:referrals-mine"))  # warm the caches (dated rules, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("web:referrals-mine")).status_code == 200
    for i in range(4):
        referral_in(world, ReferralStatus.STARTED, make_service(world, name=f"Service {i}"))
        send(world, make_service(world, name=f"Attente {i}"))
    with CaptureQueriesContext(connection) as more:
        html = text(client.get(reverse("web:referrals-mine")))
    assert "Attente 3" in html and "Service 3" in html
    assert len(more) == len(few)


def test_opening_the_referral_clears_its_news_and_shows_its_history(world, client_for):
    referral = referral_in(world, ReferralStatus.STARTED)
    services.record_attendance(referral, on=timezone.localdate(), present=True, hours=3, via=Via.LINK)
    assert Referral.objects.get(pk=referral.pk).has_news
    html = text(client_for("cip").get(reverse("web:referral-detail", args=[referral.public_id])))
    assert "Action démarrée" in html and "Présente" in html and "lien sécurisé envoyé au partenaire" in html
    assert "Prénom et initiale du nom" in html
    assert not Referral.objects.get(pk=referral.pk).has_news
    # Someone else of the team opening it does not clear the referent's news.
    services.record_attendance(referral, on=timezone.localdate(), present=False, via=Via.LINK)
    client_for("social_worker").get(reverse("web:referral-detail", args=[referral.public_id]))
    assert Referral.objects.get(pk=referral.pk).has_news


def test_the_referent_sends_a_new_link_once(world, client_for):
    referral = send(world)
    sent_mail()
    url = reverse("web:referral-new-link", args=[referral.public_id])
    client = client_for("cip")
    assert client.post(url, {"link_version": 1}).status_code == 302
    assert client.post(url, {"link_version": 1}).status_code == 302  # a second click: no second link
    assert Referral.objects.get(pk=referral.pk).link_version == 2
    assert [e.subject for e in sent_mail()] == ["Nouveau lien : orientation vers « Auto-école sociale »"]


# --- The partner's account ------------------------------------------------------------------------------


def test_the_partner_answers_with_an_account(world, client_for):
    referral = send(world, shared=["goals"])
    client = client_for("partner")
    listing = text(client.get(reverse("web:referrals-received")))
    assert "Alice D." in listing and "Auto-école sociale" in listing and "Durand" not in listing
    url = reverse("web:referral-received", args=[referral.public_id])
    page = text(client.get(url))
    assert CANARY["goal"] in page and "0601020304" not in page and "J'accepte l'orientation" in page
    response = client.post(url, {"action": "accept"})
    assert response.status_code == 200 and "Enregistrer le démarrage" in text(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.answered_by == world["partner"]
    [email] = [e for e in sent_mail() if e.to == ["cip@parcours.test"]]
    assert "acceptée" in email.subject


def test_a_partner_sees_only_the_referrals_of_its_own_organisation(world, client_for):
    elsewhere = send(world, make_service(world, structure=make_structure(world, organization=world.org_z)))
    unowned = send(world, make_service(world, name="Vélo-école", structure=make_structure(world, organization=None)))
    client = client_for("partner")
    listing = text(client.get(reverse("web:referrals-received")))
    assert "Auto-école sociale" not in listing and "Vélo-école" not in listing
    for referral in (elsewhere, unowned):
        url = reverse("web:referral-received", args=[referral.public_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "accept"}).status_code == 404
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


def test_a_partner_whose_membership_ended_no_longer_answers(world, client_for):
    referral = send(world)
    Membership.objects.filter(user=world["partner"], profession=Profession.PARTNER).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert client_for("partner").get(reverse("web:referral-received", args=[referral.public_id])).status_code == 403

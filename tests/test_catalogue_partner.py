"""Partners maintain their services; the freshness reminder; administrators moderate."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from parcours.catalogue.freshness import send_freshness_reminders
from parcours.catalogue.models import Service, ServiceStatus
from parcours.catalogue.search import search
from parcours.jobs.periodic import PERIODIC
from tests.test_catalogue_support import BOBIGNY, PANTIN, make_service, make_structure


def own_service(world, **extra):
    return make_service(structure=make_structure(organization=world.org_y, name="Chantier Y"), **extra)


def form_data(**overrides):
    data = {
        "name": "Atelier vélo solidaire",
        "description": "Réparer son vélo et apprendre à circuler en ville, en petit groupe.",
        "themes": ["mobilite--mobilite-douce-partagee-collective", "remobilisation--lien-social"],
        "service_type": "atelier",
        "reception_modes": ["en-presentiel"],
        "publics": ["tous-publics"],
        "fees": "gratuit",
        "mobilization_modes": ["telephoner"],
        "mobilizable_by": ["professionnels"],
        "commune": "Pantin (93055)",
        "weekly_hours": "3",
        "duration_weeks": "6",
        "sectors": ["sustainable_mobility"],
    }
    data.update(overrides)
    return data


def test_partner_lists_and_edits_only_its_own_services(world, client_for):
    mine = own_service(world, name="Remobilisation")
    other = make_service(structure=make_structure(organization=world.org_x), name="Service de X")
    orphan = make_service(name="Service sans partenaire")
    client = client_for("partner")
    html = client.get(reverse("web:catalogue-partner-services")).content.decode()
    assert "Remobilisation" in html and "Service de X" not in html and "Service sans partenaire" not in html
    for service in (other, orphan):
        assert client.get(reverse("web:catalogue-partner-service", args=[service.public_id])).status_code == 404
        response = client.post(reverse("web:catalogue-partner-service", args=[service.public_id]), form_data())
        assert response.status_code == 404
        assert client.post(reverse("web:catalogue-partner-service-check", args=[service.public_id])).status_code == 404
    assert Service.objects.get(pk=other.pk).name == "Service de X"
    response = client.post(reverse("web:catalogue-partner-service", args=[mine.public_id]), form_data(verified="on"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Atelier vélo solidaire" and mine.service_types == ["atelier"] and mine.city == "Pantin"
    assert mine.weekly_hours == 3.0 and mine.checked_at is not None and mine.checked_by == world["partner"]
    hits = search(commune=PANTIN, radius_km=1, themes=["remobilisation"], fees=["gratuit"])
    assert [h.service.name for h in hits] == ["Atelier vélo solidaire"]  # the search sees the edit at once


def test_partner_form_refuses_invalid_vocabulary(world, client_for):
    mine = own_service(world, name="Remobilisation")
    client = client_for("partner")
    url = reverse("web:catalogue-partner-service", args=[mine.public_id])
    response = client.post(url, form_data(publics=["tous-publics", "jeunes"], themes=["pas-une-thematique"]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "« Tous publics » ne peut pas être combiné avec un autre public." in html
    assert "pas-une-thematique" in html  # « Sélectionnez un choix valide… »
    assert Service.objects.get(pk=mine.pk).name == "Remobilisation"


def test_partner_adds_a_service_to_its_structure(world, client_for):
    structure = make_structure(organization=world.org_y, name="Chantier Y", code=BOBIGNY)
    client = client_for("partner")
    url = reverse("web:catalogue-partner-service-create", args=[structure.public_id])
    assert client.post(url, form_data(commune="")).status_code == 302
    service = Service.objects.get(structure=structure)
    assert service.source == "parcours" and service.source_id == f"parcours--{service.public_id}"
    assert service.status == ServiceStatus.PUBLISHED and service.latitude == structure.latitude
    other = make_structure(organization=world.org_x)
    assert client.get(reverse("web:catalogue-partner-service-create", args=[other.public_id])).status_code == 404


def test_i_have_checked_updates_the_freshness_date(world, client_for):
    mine = own_service(world, checked_at=timezone.now() - datetime.timedelta(days=400))
    response = client_for("partner").post(reverse("web:catalogue-partner-service-check", args=[mine.public_id]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert timezone.now() - mine.checked_at < datetime.timedelta(minutes=1)


def test_freshness_reminder_job(world):
    assert any(p.func == "parcours.catalogue.freshness.send_freshness_reminders" for p in PERIODIC)
    now = timezone.now()
    stale = own_service(world, name="Vieux service", checked_at=now - datetime.timedelta(days=200))
    own_service(world, name="Service récent", checked_at=now - datetime.timedelta(days=10))
    make_service(name="Sans partenaire", checked_at=now - datetime.timedelta(days=400))
    assert send_freshness_reminders() == 1
    [message] = mail.outbox
    assert message.to == [world["partner"].email]
    assert "Vieux service (Chantier Y)" in message.body and "Service récent" not in message.body
    assert (
        "J'ai vérifié ces informations" in message.body and reverse("web:catalogue-partner-services") in message.body
    )
    assert send_freshness_reminders() == 0  # not again the same day
    assert send_freshness_reminders(now=now + datetime.timedelta(days=31)) == 1  # a month later, still unchecked
    Service.objects.filter(pk=stale.pk).update(checked_at=now + datetime.timedelta(days=31))
    assert send_freshness_reminders(now=now + datetime.timedelta(days=62)) == 0


def test_moderation_page_and_actions(world, client_for):
    service = own_service(world, name="Garage solidaire")
    admin = client_for("administrator")
    url = reverse("web:catalogue-moderation-action", args=[service.public_id])
    response = admin.post(url, {"action": "suspend", "reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de la suspension" in response.content.decode()
    assert admin.post(url, {"action": "suspend", "reason": "Structure fermée"}).status_code == 302
    service.refresh_from_db()
    assert service.status == ServiceStatus.SUSPENDED and service.moderated_by == world["administrator"]
    html = admin.get(reverse("web:catalogue-moderation"), {"statut": "suspended"}).content.decode()
    assert "Garage solidaire" in html and "Structure fermée" in html
    partner_html = client_for("partner").get(reverse("web:catalogue-partner-services")).content.decode()
    assert "Motif : Structure fermée" in partner_html
    cip = client_for("cip")
    assert cip.get(reverse("web:catalogue-service", args=[service.public_id])).status_code == 404
    assert admin.get(reverse("web:catalogue-service", args=[service.public_id])).status_code == 200
    assert admin.post(url, {"action": "publish"}).status_code == 302
    assert cip.get(reverse("web:catalogue-service", args=[service.public_id])).status_code == 200


def test_an_administrator_moderates_only_their_departement(world, client_for):
    paris = make_service(code="75056", name="Service parisien")
    admin = client_for("administrator")  # administrator of X, in the 93
    html = admin.get(reverse("web:catalogue-moderation")).content.decode()
    assert "Service parisien" not in html
    response = admin.post(
        reverse("web:catalogue-moderation-action", args=[paris.public_id]), {"action": "suspend", "reason": "x"}
    )
    assert response.status_code == 404
    staff = client_for("platform_admin")
    assert "Service parisien" in staff.get(reverse("web:catalogue-moderation")).content.decode()


def test_service_page(world, client_for):
    service = own_service(world, name="Auto-école sociale", fees="gratuit", weekly_hours=6.0, duration_weeks=20,
                          publics=["jeunes"], contact_email="accueil@exemple.fr")  # fmt: skip
    html = client_for("cip").get(reverse("web:catalogue-service", args=[service.public_id])).content.decode()
    for text in (
        "Auto-école sociale",
        "Chantier Y",
        "Préparer un permis",
        "Jeunes",
        "Gratuit",
        "6 h par semaine pendant 20 semaines",
        "accueil@exemple.fr",
    ):
        assert text in html, text


def test_barrier_themes_page(world, client_for):
    html = client_for("cip").get(reverse("web:catalogue-barrier-themes")).content.decode()
    assert "Mobilité" in html and "Préparer un permis" in html and "Garde d’enfants" in html


def test_inclusive_sectors_are_counted_and_found(world, client_for):
    structure = make_structure(organization=world.org_y, name="Chantier Y", sectors=["eco_construction"])
    make_service(structure=structure, name="Éco-rénovation", sectors=["eco_construction"])
    make_service(structure=structure, name="Maraîchage", sectors=["sustainable_food", "eco_construction"])
    make_service(structure=structure, name="Sans secteur")
    html = client_for("administrator").get(reverse("web:catalogue-moderation")).content.decode()
    row = html[html.index("Éco-construction</a></th>") :]
    assert row.startswith("Éco-construction</a></th><td>2</td><td>1</td>")
    assert [h.service.name for h in search(sectors=["sustainable_food"])] == ["Maraîchage"]

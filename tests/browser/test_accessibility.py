"""axe-core on every kind of page a counselor or an agency head meets, plus console errors and CSP violations.

A violation of impact « serious » or « critical » fails the test; lesser ones are printed (pytest -s).
"""

import datetime
import uuid
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from parcours.agenda.enums import AppointmentKind, Mode
from parcours.agenda.services import plan_appointment
from parcours.rsvp.tokens import token_for
from parcours.scheduling.models import Place, Room, WorkingHours

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
AXE_OPTIONS = {"resultTypes": ["violations"]}
_axe = Axe()


def describe(violation: dict) -> str:
    lines = [f"[{violation['impact']}] {violation['id']} : {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:10]:
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"    {' '.join(map(str, node['target']))} — {summary}")
    return "\n".join(lines)


# axe 4.12 no longer reports duplicate ids, yet a duplicated id makes a <label for> name the wrong control
# (the first one in the page) and leaves the other one without a label.
DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => `${id} (${n} fois)`);
}"""


def audit(browsing, label: str, *, allowed_statuses=()) -> list[str]:
    """What is wrong on the current page: serious/critical axe violations, duplicate ids, console errors and
    CSP violations (since the last audit). Empty when all is well."""
    page = browsing.page
    results = _axe.run(page, options=AXE_OPTIONS).response
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            print(f"{label} (non bloquant) : {describe(violation)}")
    duplicates = [f"id en double : {d}" for d in page.evaluate(DUPLICATE_IDS)]
    problems = browsing.problems(allowed_statuses=allowed_statuses)
    browsing.clear_problems()
    report = [describe(v) for v in blocking] + duplicates + problems
    return [f"{label} ({page.url}) :\n  " + "\n  ".join(report)] if report else []


def open_all_details(page) -> int:
    return page.locator("details").evaluate_all(
        "(all) => { all.forEach((d) => { d.open = true; }); return all.length; }"
    )


@dataclass(frozen=True)
class Visit:
    label: str
    path: str  # may contain {person}
    heading: str
    status: int = 200
    details: bool = False  # open every <details> (the file's forms) before the audit


PERSON = "/personnes/{person}/"
# Per persona (an attribute of the world), the pages to audit; one login each.
VISITS = {
    "cip": [
        Visit("file active", "/file-active/", "Ma file active"),
        Visit("agenda", "/agenda/", "Mon agenda"),
        Visit("agenda du jour", "/agenda/?jour=2026-11-23", "Mon agenda"),
        Visit("recherche", "/personnes/?q=ri", "Rechercher une personne"),
        Visit("dossier (CIP)", PERSON, "Léa RIVIÈRE", details=True),
        Visit("synthèse imprimable", PERSON + "synthese/", "Synthèse de l'accompagnement"),
        Visit("404", f"/personnes/{uuid.UUID(int=0)}/", "Page introuvable", status=404),
        Visit("planning", "/planning/", "Mon planning sur deux semaines"),
        Visit("disponibilités", "/disponibilites/", "Mes disponibilités"),
        Visit("file de travail", "/file-de-travail/", "Ma file de travail"),
        Visit("agenda dans mon calendrier", "/agenda/abonnement/", "Mon agenda dans mon calendrier"),
    ],
    "psy": [Visit("dossier (psychologue)", PERSON, "Léa RIVIÈRE", details=True)],
    "head": [
        Visit("équipe", "/equipe/", "Mon équipe"),
        Visit("file de travail (agence)", "/file-de-travail/", "Ma file de travail"),
        Visit("403", "/file-active/", "Accès refusé", status=403),
    ],
}


def visit_and_audit(browsing, world, visit: Visit) -> list[str]:
    response = browsing.goto(visit.path.format(person=world.person.public_id))
    assert response.status == visit.status, visit.label
    expect(browsing.page.get_by_role("heading", name=visit.heading, level=1)).to_be_visible()
    if visit.details:
        assert open_all_details(browsing.page) > 0
    return audit(browsing, visit.label, allowed_statuses=(visit.status,) if visit.status >= 400 else ())


@pytest.mark.parametrize("persona", VISITS)
def test_pages_are_accessible(persona, world, browsing):
    browsing.login(getattr(world, persona).email)
    report = [f"connexion : {problem}" for problem in browsing.problems()]
    browsing.clear_problems()
    for visit in VISITS[persona]:
        report += visit_and_audit(browsing, world, visit)
    assert not report, "\n".join(report)


def test_login_page_is_accessible(world, browsing):
    """The login page, then the same page with the refused login's error."""
    page = browsing.page
    browsing.goto("/connexion/")
    expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
    report = audit(browsing, "connexion")
    page.get_by_label("Adresse e-mail").fill(world.cip.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    report += audit(browsing, "connexion refusée", allowed_statuses=(400,))
    assert not report, "\n".join(report)


def test_file_form_errors_are_accessible(world, browsing):
    """A form sent back with its errors by htmx (status 400) is still accessible."""
    page = browsing.page
    browsing.login(world.cip.email)
    browsing.goto(PERSON.format(person=world.person.public_id))
    contract = page.locator("#contract")
    contract.locator("summary", has_text="Ajouter un objectif").click()
    contract.get_by_role("button", name="Ajouter l'objectif").click()  # empty title: refused
    goal_form = contract.locator("form", has=page.get_by_role("button", name="Ajouter l'objectif"))
    expect(goal_form.get_by_label("Objectif")).to_have_attribute("aria-invalid", "true")
    expect(goal_form.locator(".field-error")).to_be_visible()
    open_all_details(page)
    report = audit(browsing, "dossier avec erreurs", allowed_statuses=(400,))
    assert not report, "\n".join(report)


def test_the_persons_link_page_is_accessible(world, browsing):
    """The page a person opens from an SMS, without an account: then the same page once she picked another slot."""
    appointment = plan_appointment(
        world.person,
        follow_up=world.follow_up,
        counselor=world.cip,
        by=world.cip,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        kind=AppointmentKind.FOLLOW_UP,
        mode=Mode.ON_SITE,
        place="Agence de Bobigny",
    )
    place = Place.objects.create(organization=world.organization, name="Agence de Bobigny")
    Room.objects.create(place=place, name="Bureau 1")
    WorkingHours.objects.bulk_create(
        WorkingHours(user=world.cip, weekday=d, start=datetime.time(9), end=datetime.time(12), place=place)
        for d in range(5)
    )
    page = browsing.page
    browsing.goto(f"/rdv/{token_for(appointment)}/")
    expect(page.get_by_role("heading", name="Votre rendez-vous", level=1)).to_be_visible()
    report = audit(browsing, "lien de la personne")
    page.locator("input[name=slot]").first.check()  # the person picks another free slot herself
    page.get_by_role("button", name="Je choisis ce créneau").click()
    expect(page.get_by_role("status")).to_contain_text("votre rendez-vous est déplacé au")
    report += audit(browsing, "lien de la personne, créneau choisi")
    assert not report, "\n".join(report)


# --- Orientation (issue 4 §4): queue, decision (with its errors), history, réorientation, assignment, indicators ---
from tests.browser.test_orientation import entrant  # noqa: E402, F401 (fixture: an orientation officer, a new entrant)


def test_orientation_pages_are_accessible(world, browsing, entrant):  # noqa: F811
    from parcours.orientation.decisions import orient
    from parcours.orientation.models import OrientationRequest

    officer, person = entrant
    page = browsing.page
    request_id = OrientationRequest.objects.get(beneficiary=person).pk
    browsing.login(officer.email)
    browsing.clear_problems()
    report = []
    for visit in (
        Visit("file d'orientation", "/orientation/file/", "File d'orientation"),
        Visit("file d'orientation filtrée", "/orientation/file/?retard=on", "File d'orientation"),
        Visit("indicateurs d'orientation", "/orientation/indicateurs/", "Indicateurs d'orientation"),
        Visit("décision d'orientation", f"/orientation/demandes/{request_id}/orienter/", "Orienter : Nina NOUVELLE"),
    ):
        report += visit_and_audit(browsing, world, visit)
    page.get_by_role("button", name="Enregistrer la décision").click()  # nothing chosen: refused
    expect(page.locator(".field-error").first).to_be_visible()
    report += audit(browsing, "décision refusée", allowed_statuses=(400,))
    orient(person, by=officer, parcours="pro", organization=world.organization, reason="Projet clair")
    for visit in (
        Visit(
            "historique d'orientation", f"/orientation/personnes/{person.public_id}/", "Orientation de Nina NOUVELLE"
        ),
        Visit("réorientation", f"/orientation/personnes/{person.public_id}/reorienter/", "Réorienter : Nina NOUVELLE"),
    ):
        report += visit_and_audit(browsing, world, visit)
    browsing.logout()
    browsing.login(world.head.email)
    browsing.clear_problems()
    report += visit_and_audit(
        browsing,
        world,
        Visit("attribution des référent·es", "/orientation/attribution/", "Attribution des référent·es"),
    )
    report += visit_and_audit(
        browsing, world, Visit("indicateurs (chef·fe)", "/orientation/indicateurs/", "Indicateurs d'orientation")
    )
    assert not report, "\n".join(report)


# --- Imports (issue 4 §1–2) ---


def test_import_pages_are_accessible(world, browsing, settings, tmp_path):
    """The imports list, the upload form (and its refusal), a preview with its mapping form, a run in progress and
    a summary, for an orientation officer."""
    from parcours.accounts.enums import Profession
    from parcours.accounts.models import Membership, User
    from parcours.intake import engine
    from parcours.intake.enums import BatchStatus
    from parcours.intake.models import ImportBatch
    from parcours.intake.sheets import auto_mapping, open_sheet
    from tests.browser.conftest import PASSWORD

    settings.IMPORTS_DIR = tmp_path / "imports"
    officer = User.objects.create_user("orientation@navigateur.parcours.test", PASSWORD, first_name="Yanis")
    Membership.objects.create(
        user=officer,
        organization=world.organization,
        profession=Profession.ORIENTATION_OFFICER,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
    )

    def batch(name, content):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        created = engine.create_batch(
            department=world.department,
            source_path=path,
            filename=name,
            organization=world.organization,
            created_by=officer,
            mapping=auto_mapping(open_sheet(path, name).headers),
        )
        engine.preview(created)
        return created

    preview = batch(
        "liste.csv", "N° CAF;Nom;Prénom;DDN;Divers\r\n123;Durand;Éric;12/05/1980;x\r\n1;Petit;;1/1/1990;\r\n"
    )
    done = engine.run(batch("fini.csv", "Nom;Prénom;DDN\r\nBlanc;Lou;31/02/1980\r\nNoir;Max;01/02/1990\r\n"))
    running = batch("encours.csv", "Nom;Prénom;DDN\r\nVert;Ana;01/02/1991\r\n")
    ImportBatch.objects.filter(pk=running.pk).update(status=BatchStatus.RUNNING, rows_done=0)

    browsing.login(officer.email)
    report = []
    for visit in (
        Visit("imports", "/imports/", "Imports"),
        Visit("nouvel import", "/imports/nouveau/", "Importer un fichier"),
        Visit("aperçu de l'import", f"/imports/{preview.public_id}/", "Aperçu de l'import"),
        Visit("import en cours", f"/imports/{running.public_id}/", "Import encours.csv"),
        Visit("bilan de l'import", f"/imports/{done.public_id}/", "Import fini.csv"),
    ):
        report += visit_and_audit(browsing, world, visit)
    page = browsing.page
    browsing.goto("/imports/nouveau/")
    page.get_by_label("Fichier à importer").set_input_files(
        {"name": "liste.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
    )
    page.get_by_role("button", name="Envoyer et voir l'aperçu").click()
    expect(page.locator(".field-error")).to_contain_text("Format de fichier non pris en charge")
    report += audit(browsing, "nouvel import refusé", allowed_statuses=(400,))
    assert not report, "\n".join(report)


def test_referral_pages_are_accessible(world, browsing):
    """Referrals (issue 5 §3): sending, « Mes orientations », the referral's page, the agency's statistics, the
    partner's link (with a refused action) and the partner's account."""
    from parcours.accounts.enums import Profession
    from parcours.accounts.models import Membership, User
    from parcours.catalogue.models import Service, Structure
    from parcours.organizations.enums import OrganizationKind
    from parcours.organizations.models import Organization
    from parcours.referrals.links import token_for as referral_token
    from parcours.referrals.services import accept, send_referral
    from tests.browser.conftest import PASSWORD

    partner_org = Organization.objects.create(
        department=world.department, kind=OrganizationKind.ASSOCIATION, name="Mobilité Solidaire"
    )
    partner = User.objects.create_user(
        "partenaire@navigateur.parcours.test", PASSWORD, first_name="Paula", last_name="Partenaire"
    )
    Membership.objects.create(user=partner, organization=partner_org, profession=Profession.PARTNER)
    structure = Structure.objects.create(
        source="test", source_id="a11y-s", name="Mobilité Solidaire", organization=partner_org
    )
    service = Service.objects.create(
        structure=structure,
        source="test",
        source_id="a11y-v",
        name="Auto-école sociale",
        description="Code et conduite.",
        contact_email="accueil@mobilite.test",
        weekly_hours=6,
    )
    other = Service.objects.create(
        structure=structure, source="test", source_id="a11y-w", name="Vélo-école", description="Apprendre le vélo."
    )
    referral = send_referral(beneficiary=world.person, service=service, by=world.cip, consent=True, shared=["contact"])
    accept(referral, by=partner)
    page = browsing.page
    report = []
    browsing.login(world.cip.email)
    for visit in (
        Visit(
            "orienter vers un service",
            f"/orientations/nouvelle/{{person}}/{other.public_id}/",
            "Orienter Léa RIVIÈRE vers « Vélo-école »",
        ),
        Visit("mes orientations", "/orientations/", "Mes orientations"),
        Visit("une orientation", f"/orientations/{referral.public_id}/", "Orientation vers « Auto-école sociale »"),
    ):
        report += visit_and_audit(browsing, world, visit)
    browsing.goto(f"/orientations/nouvelle/{world.person.public_id}/{other.public_id}/")
    page.get_by_role("button", name="Envoyer l'orientation").click()  # no consent: refused with its error
    expect(page.locator(".field-error")).to_contain_text("Recueillez l'accord")
    report += audit(browsing, "orientation refusée sans accord", allowed_statuses=(400,))
    browsing.logout()
    browsing.login(world.head.email)
    report += visit_and_audit(
        browsing, world, Visit("orientations de l'agence", "/orientations/agence/", "Orientations de l'agence")
    )
    browsing.logout()
    browsing.login(partner.email)
    for visit in (
        Visit("orientations reçues", "/orientations-recues/", "Orientations reçues"),
        Visit(
            "orientation reçue",
            f"/orientations-recues/{referral.public_id}/",
            "Orientation vers « Auto-école sociale »",
        ),
    ):
        report += visit_and_audit(browsing, world, visit)
    browsing.logout()
    report += visit_and_audit(
        browsing,
        world,
        Visit(
            "lien du partenaire",
            f"/partenaire/orientation/{referral_token(referral)}/",
            "Orientation vers « Auto-école sociale »",
        ),
    )
    page.locator("#action-abandon").get_by_role("button", name="Enregistrer l'abandon").click()  # no reason
    expect(page.locator("#action-abandon .field-error")).to_contain_text("Indiquez le motif de l'abandon")
    report += audit(browsing, "lien du partenaire, formulaire refusé", allowed_statuses=(400,))
    report += visit_and_audit(
        browsing,
        world,
        Visit("lien plus valable", "/partenaire/orientation/pas-un-jeton/", "Ce lien n'est plus valable", status=404),
    )
    assert not report, "\n".join(report)


def test_workshop_and_hours_pages_are_accessible(world, browsing):
    """Workshops (list, series, a session under way with its waitlist and attendance form) and the hours of activity
    (the caseload's week, the person's week with its form)."""
    from parcours.activity.services import add_entry
    from parcours.workshops import services as workshops

    series = workshops.create_series(
        organization=world.organization, by=world.cip, title="Se présenter à un employeur", kind="workshop"
    )
    now = timezone.now()
    session = workshops.add_session(
        series,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
        capacity=1,
        place_label="Agence de Bobigny",
    )
    workshops.add_session(
        series,
        starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=7, hours=2),
        capacity=8,
        place_label="Agence de Bobigny",
    )
    workshops.register(session, world.person, by=world.cip)
    add_entry(world.person, by=world.cip, kind="immersion", date=timezone.localdate(), planned_hours=7)
    browsing.login(world.cip.email)
    visits = [
        Visit("ateliers", "/ateliers/", "Ateliers collectifs"),
        Visit("atelier", f"/ateliers/{series.public_id}/", "Se présenter à un employeur", details=True),
        Visit("séance", f"/ateliers/seances/{session.public_id}/?q=Ri", "Se présenter à un employeur"),
        Visit("heures de la file active", "/heures/", "Heures d'activité de ma file active"),
        Visit(
            "heures de la personne", "/heures/personnes/{person}/", "Heures d'activité de Léa RIVIÈRE", details=True
        ),
    ]
    report = []
    for visit in visits:
        report += visit_and_audit(browsing, world, visit)
    assert not report, "\n".join(report)


def test_catalogue_pages_are_accessible(world, browsing):
    """The catalogue (issue 5 §1–2): « Trouver un service » with results, a service's page, the person's
    suggestions, « Mes services » and its form (with a refused entry), the moderation and the frein table."""
    from parcours.accounts.enums import Profession
    from parcours.accounts.models import Membership, User
    from parcours.catalogue.models import Service, Structure
    from parcours.organizations.enums import OrganizationKind
    from parcours.organizations.models import Commune, Organization
    from tests.browser.conftest import PASSWORD

    bobigny, _ = Commune.objects.get_or_create(  # reference data: a flush by an earlier browser test empties it
        insee_code="93008",
        defaults={"name": "Bobigny", "postal_codes": "93000", "department_code": "93", "population": 55000,
                  "latitude": 48.9086, "longitude": 2.4397},
    )  # fmt: skip
    world.person.commune = bobigny
    world.person.save(update_fields=["commune"])
    partner_org = Organization.objects.create(
        department=world.department, kind=OrganizationKind.SIAE, name="Garage solidaire de Bobigny"
    )
    partner = User.objects.create_user(
        "garage@navigateur.parcours.test", PASSWORD, first_name="Gaël", last_name="Garage"
    )
    Membership.objects.create(user=partner, organization=partner_org, profession=Profession.PARTNER)
    admin = User.objects.create_user(
        "gestion@navigateur.parcours.test", PASSWORD, first_name="Marc", last_name="Petit"
    )
    Membership.objects.create(user=admin, organization=world.organization, profession=Profession.ADMINISTRATOR)
    structure = Structure.objects.create(
        source="test", source_id="a11y-cat-s", name="Garage solidaire de Bobigny", organization=partner_org,
        commune=bobigny, city="Bobigny", latitude=48.91, longitude=2.44, phone="+33148000000",
    )  # fmt: skip
    service = Service.objects.create(
        structure=structure, source="test", source_id="a11y-cat-v", name="Réparation de véhicule à prix solidaire",
        description="Entretien et réparation au prix des pièces.",
        themes=["mobilite--entretenir-reparer-son-vehicule"], service_types=["aide-materielle"],
        reception_modes=["en-presentiel"], publics=["tous-publics"],
        fees="payant", commune=bobigny, city="Bobigny", latitude=48.91, longitude=2.44,
    )  # fmt: skip
    page = browsing.page
    report = []
    browsing.login(world.cip.email)
    search = "/services/?commune=Bobigny+%2893008%29&radius=10&themes=mobilite&mode=en-presentiel"
    for visit in (
        Visit("trouver un service", "/services/", "Trouver un service"),
        Visit("trouver un service (résultats)", search, "Trouver un service"),
        Visit("trouver un service pour une personne", "/services/?personne={person}", "Trouver un service"),
        Visit("un service", f"/services/{service.public_id}/", "Réparation de véhicule à prix solidaire"),
        Visit(
            "freins et thématiques", "/services/freins-et-thematiques/", "Freins et thématiques des services suggérés"
        ),
    ):
        report += visit_and_audit(browsing, world, visit)
    browsing.goto(PERSON.format(person=world.person.public_id))
    expect(page.locator("#suggested-services")).to_contain_text("Réparation de véhicule à prix solidaire")
    browsing.logout()
    browsing.login(partner.email)
    for visit in (
        Visit("mes services", "/mes-services/", "Mes services"),
        Visit("mon service", f"/mes-services/{service.public_id}/", "Réparation de véhicule à prix solidaire"),
    ):
        report += visit_and_audit(browsing, world, visit)
    page.get_by_label("Jeunes", exact=True).check()  # with « Tous publics »: refused by the server
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".field-error").first).to_contain_text("ne peut pas être combiné")
    report += audit(browsing, "mon service, formulaire refusé", allowed_statuses=(400,))
    browsing.logout()
    browsing.login(admin.email)
    report += visit_and_audit(browsing, world, Visit("modération", "/services/moderation/", "Modération du catalogue"))
    assert not report, "\n".join(report)

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

"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

Self-sufficient (does not rely on tests/conftest.py): the world each test needs is built here with the
domain services, in a transactional database (the live server runs in another thread, on SQLite through
a shared in-memory connection, on PostgreSQL through its own connection).
"""

import datetime
import os
import shutil
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.agenda.enums import AppointmentKind, Mode
from parcours.agenda.services import plan_appointment
from parcours.diagnostics.enums import Barrier, BarrierLevel
from parcours.diagnostics.models import BarrierAssessment
from parcours.diagnostics.services import grade_barrier
from parcours.organizations.enums import OrganizationKind, TerritoryKind
from parcours.organizations.models import Department, Organization, Territory
from parcours.orientation.enums import NoteVisibility, Parcours, TeamRole
from parcours.orientation.services import add_note, add_team_member, open_follow_up
from parcours.people.models import Beneficiary
from parcours.plans.enums import ContractKind, HoursExemption
from parcours.plans.services import add_goal, create_contract
from tests.world import ensure_default_rules

# Playwright's sync API runs an asyncio loop in the test thread: Django would refuse ORM calls made there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "mot-de-passe-des-tests-navigateur"
CANARY = "CANARI-PSY-7f3c9e1b"


# --- Chromium -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} absent : installez le paquet Debian « chromium » pour les tests navigateur.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Browsing:
    """One browser context with what went wrong in it: console errors, page errors, CSP violations."""

    page: object
    base_url: str
    console_errors: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def login(self, email: str, password: str = PASSWORD) -> None:
        self.goto("/connexion/")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        expect(self.page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    def logout(self) -> None:
        self.page.get_by_role("button", name="Se déconnecter").click()
        expect(self.page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()

    def problems(self, *, allowed_statuses=()) -> list[str]:
        """Console errors and CSP violations, minus Chromium's own report of a page or htmx answer with an
        expected error status (« Failed to load resource: … status of 404 »); never for a static file."""
        found = []
        for message in self.console_errors:
            expected = any(f"status of {status} " in message for status in allowed_statuses)
            if expected and "/static/" not in message:
                continue
            found.append(f"console : {message}")
        found += [f"CSP : {v}" for v in self.csp_violations]
        return found

    def clear_problems(self) -> None:
        self.console_errors.clear()
        self.csp_violations.clear()


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__parcoursCsp(`${e.violatedDirective} bloque ${e.blockedURI || "(en ligne)"} sur ${e.documentURI}`
    + (e.sample ? ` : ${e.sample}` : ""));
});
"""


@pytest.fixture
def browsing(browser, live_server, world):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    session = Browsing(page=page, base_url=live_server.url)
    page.on(
        "console",
        lambda msg: msg.type == "error" and session.console_errors.append(f"{msg.text} ({msg.location.get('url')})"),
    )
    page.on("pageerror", lambda exc: session.console_errors.append(f"exception JavaScript : {exc}"))
    context.expose_function("__parcoursCsp", lambda violation: session.csp_violations.append(violation))
    context.add_init_script(CSP_LISTENER)
    yield session
    context.close()


# --- The world: one agency, a CIP, a psychologist, an agency head and one person followed -------------------


@dataclass
class World:
    department: object
    organization: object
    cip: object
    psy: object
    head: object
    person: object
    follow_up: object
    appointment: object  # planned earlier today, to be recorded as seen
    contract: object
    goal: object
    canary: str = CANARY


def _ensure_default_rules():
    """The dated rules written by data migrations: flushed by earlier transactional tests (see tests/world.py)."""
    ensure_default_rules()


def _purge_sqlite_access_log():
    """SQLite only: the flush that ends a transactional test DELETEs rows, which the append-only trigger of the
    access log refuses. Empty it with the trigger lifted, then put the trigger back as it was."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL flushes with TRUNCATE, which the row trigger does not see.
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'journal_accesslog_no_delete'")
        row = cursor.fetchone()
        if row is None:
            cursor.execute("DELETE FROM journal_accesslog")
            return
        cursor.execute("DROP TRIGGER journal_accesslog_no_delete")
        try:
            cursor.execute("DELETE FROM journal_accesslog")
        finally:
            cursor.execute(row[0])


def _earlier_today(now):
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    midnight = local.replace(hour=0, minute=0)
    return max(local - datetime.timedelta(hours=1), midnight)


@pytest.fixture
def world(transactional_db):
    _ensure_default_rules()
    today = timezone.localdate()
    department = Department.objects.create(code="93", name="Seine-Saint-Denis")
    territory = Territory.objects.create(
        department=department, kind=TerritoryKind.LOCAL_AGENCY, name="Agence locale d'insertion de Bobigny"
    )
    organization = Organization.objects.create(
        department=department,
        territory=territory,
        kind=OrganizationKind.DEPARTMENT_SERVICE,
        name="Agence locale d'insertion de Bobigny",
    )

    def professional(email, first, last, profession):
        user = User.objects.create_user(email, PASSWORD, first_name=first, last_name=last)
        Membership.objects.create(
            user=user,
            organization=organization,
            profession=profession,
            start_date=today - datetime.timedelta(days=400),
        )
        return user

    cip = professional("cip@navigateur.parcours.test", "Camille", "Martin", Profession.CIP)
    psy = professional("psy@navigateur.parcours.test", "Paul", "Lemaire", Profession.PSYCHOLOGIST)
    head = professional("chef@navigateur.parcours.test", "Hélène", "Garnier", Profession.AGENCY_HEAD)

    person = Beneficiary.objects.create(
        department=department,
        first_name="Léa",
        last_name="Rivière",
        birth_date=datetime.date(1991, 4, 12),
        phone="06 12 34 56 78",
        address_line="12 rue de la République",
    )
    follow_up = open_follow_up(
        person,
        by=cip,
        parcours=Parcours.SOCIO_PRO,
        organization=organization,
        referent=cip,
        start_date=today - datetime.timedelta(days=60),
    )
    add_team_member(follow_up, by=cip, user=cip, profession=Profession.CIP, role=TeamRole.REFERENT)
    add_team_member(follow_up, by=cip, user=psy, profession=Profession.PSYCHOLOGIST)
    add_note(
        person, by=cip, profession=Profession.CIP, body="Premier entretien : motivée, cherche dans la logistique."
    )
    add_note(
        person,
        by=psy,
        profession=Profession.PSYCHOLOGIST,
        body=f"Anxiété importante en situation d'entretien d'embauche. {CANARY}",
        visibility=NoteVisibility.PROFESSION,
    )
    contract = create_contract(
        follow_up,
        by=cip,
        kind=ContractKind.ENGAGEMENT,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=150),
        weekly_hours=Decimal("15"),
        hours_exemption=HoursExemption.NONE,
        signed_on=today - datetime.timedelta(days=30),
    )
    goal = add_goal(contract, by=cip, title="Se déplacer seule jusqu'aux zones d'emploi", barrier=Barrier.MOBILITY)
    first_grade = grade_barrier(follow_up, barrier=Barrier.MOBILITY, level=BarrierLevel.TO_WORK_ON, by=cip)
    BarrierAssessment.objects.filter(pk=first_grade.pk).update(assessed_on=today - datetime.timedelta(days=30))
    appointment = plan_appointment(
        person,
        follow_up=follow_up,
        counselor=cip,
        by=cip,
        starts_at=_earlier_today(timezone.now()),
        kind=AppointmentKind.FOLLOW_UP,
        mode=Mode.ON_SITE,
        place="Agence de Bobigny",
    )
    yield World(department, organization, cip, psy, head, person, follow_up, appointment, contract, goal)
    _purge_sqlite_access_log()

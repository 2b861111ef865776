"""A small, explicit world for the test suite, built through the domain services.

Département A (93): territory T1, the direction (orientation, steering), organisation X (department service in
T1, where most personas work) and partner organisation Y (an SIAE). Département B (75): organisation Z.

Alice (A, followed in X by `cip`) carries every sensitive field with a unique canary string, so that a test can
tell exactly which persona sees what. Bob (X, `cip_out`), Carla (B, `cip_b`) and Dan (Y, `multi`) are the other
people, each with their own referent.
"""

import csv
import datetime
import gzip
import importlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from stdnum.fr import nir as stdnum_nir

from parcours.accounts.enums import MembershipRole, Profession
from parcours.accounts.models import Membership, User
from parcours.agenda.enums import AppointmentKind, Mode
from parcours.agenda.services import plan_appointment
from parcours.core.models import RuleValue
from parcours.diagnostics.services import grade_barrier, make_diagnostic
from parcours.journal.models import Section
from parcours.organizations.enums import OrganizationKind, TerritoryKind
from parcours.organizations.models import Department, Organization, Territory
from parcours.orientation.enums import NoteVisibility, Parcours, TeamRole
from parcours.orientation.services import add_note, add_team_member, open_follow_up
from parcours.people.models import Beneficiary
from parcours.people.services import update_beneficiary
from parcours.people.validators import mask_nir
from parcours.plans.enums import ActionOwner, ContractKind, HoursExemption
from parcours.plans.services import add_action, add_goal, create_contract

PASSWORD = "un-mot-de-passe-de-test-2026"


def make_nir(first13: str) -> str:
    """A valid NIR: 13 digits followed by their mod-97 key (python-stdnum)."""
    return first13 + stdnum_nir.calc_check_digits(first13)


ALICE_NIR = make_nir("2840593066123")  # woman, born 05/1984 in Seine-Saint-Denis
ALICE_NIR_MASKED = mask_nir(ALICE_NIR)  # "2 84 •• •• ••• ••• kk"
ALICE_NIR_FORMATTED = stdnum_nir.format(ALICE_NIR)  # "2 84 05 93 066 123 kk"

# Unique strings planted in each section of Alice's file (SECURITY T-B3).
CANARY = {
    "health": "CANARI-SANTE-b41e",  # Beneficiary.health_notes
    "health_barrier": "CANARI-FREIN-SANTE-5d0c",  # comment of the health frein grade
    "justice": "CANARI-JUSTICE-93af",  # Beneficiary.justice_notes
    "psy_note": "CANARI-NOTE-PSY-2c77",  # psychologist's note, private to the profession
    "cip_note": "CANARI-NOTE-CIP-e810",  # CIP's note, private to the profession
    "team_note": "CANARI-NOTE-EQUIPE-61fa",  # note shared with the care team
    "diagnostic": "CANARI-DIAGNOSTIC-0b9d",  # diagnostic situation (socio-professional section)
    "goal": "CANARI-OBJECTIF-7a21",  # contract goal (socio-professional section)
}

# Personas in the order of the matrix columns.
PERSONAS = (
    "anonymous",
    "inactive",
    "cip",
    "social_worker",
    "psychologist",
    "digital_advisor",
    "socio_esthetician",
    "cip_out",
    "psychologist_out",
    "multi",
    "cip_b",
    "agency_head",
    "orientation_officer",
    "steering",
    "administrator",
    "platform_admin",
    "ended",
    "partner",
)


@dataclass
class World:
    dept_a: Department
    dept_b: Department
    t1: Territory
    direction: Organization
    org_x: Organization
    org_y: Organization
    org_z: Organization
    users: dict = field(default_factory=dict)  # persona -> User (None for anonymous)
    alice: Beneficiary = None
    bob: Beneficiary = None
    carla: Beneficiary = None
    dan: Beneficiary = None
    follow_up: object = None  # Alice's open follow-up
    appointment_past: object = None  # planned, today, within the past hour: can be marked seen
    appointment_future: object = None
    contract: object = None
    goal: object = None
    action: object = None

    def __getitem__(self, persona):
        return self.users[persona]


def _user(key: str, first: str, last: str, **extra) -> User:
    return User.objects.create_user(f"{key}@parcours.test", PASSWORD, first_name=first, last_name=last, **extra)


def _member(user, organization, profession, **extra) -> Membership:
    return Membership.objects.create(user=user, organization=organization, profession=profession, **extra)


def person(department, first: str, last: str, **extra) -> Beneficiary:
    return Beneficiary.objects.create(department=department, first_name=first, last_name=last, **extra)


RULE_MIGRATIONS = (
    "parcours.core.migrations.0002_default_rules",
    "parcours.scheduling.migrations.0002_planning_rules",
    "parcours.notifications.migrations.0002_reminder_rule",
    "parcours.alerts.migrations.0002_default_rules",
    "parcours.catalogue.migrations.0002_defaults",
    "parcours.activity.migrations.0002_activity_rules",
    "parcours.orientation.migrations.0003_orientation_rules",
    "parcours.referrals.migrations.0002_default_rules",
)


def ensure_default_rules() -> None:
    """The dated rules written by data migrations (cadence, weekly hours, planning, reminders, alerts).

    A transactional test (real worker processes, the browser) empties the database when it ends, rules included;
    the tests that follow it in the same process put them back here. Each `load` is idempotent.
    """
    ensure_communes()
    if RuleValue.objects.exists():  # a flush empties the table whole: never a partial state
        return
    for module in RULE_MIGRATIONS:
        importlib.import_module(module).load(apps, None)


COMMUNE_DEPARTMENTS = ("93", "75", "92")  # what the tests name (a flush leaves the table empty)


def ensure_communes() -> None:
    """The communes of the départements the tests use, when a transactional test's flush emptied the table (the
    migration loads all of France once; reloading it after each flush would cost seconds per test)."""
    from parcours.organizations.models import Commune

    if Commune.objects.filter(department_code="93").exists():
        return
    module = importlib.import_module("parcours.organizations.migrations.0002_load_communes")
    with gzip.open(module.DATA, "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["department_code"] in COMMUNE_DEPARTMENTS]
    Commune.objects.bulk_create(
        (
            Commune(
                insee_code=r["insee_code"],
                name=r["name"],
                postal_codes=r["postal_codes"],
                department_code=r["department_code"],
                population=int(r["population"]) if r["population"] else None,
                latitude=float(r["latitude"]) if r["latitude"] else None,
                longitude=float(r["longitude"]) if r["longitude"] else None,
            )
            for r in rows
        ),
        ignore_conflicts=True,
    )


def build_world() -> World:
    ensure_default_rules()
    today = timezone.localdate()
    now = timezone.now()
    dept_a = Department.objects.create(code="93", name="Seine-Saint-Denis")
    dept_b = Department.objects.create(code="75", name="Paris")
    t1 = Territory.objects.create(department=dept_a, kind=TerritoryKind.LOCAL_AGENCY, name="Agence T1")
    direction = Organization.objects.create(
        department=dept_a, kind=OrganizationKind.DEPARTMENT_SERVICE, name="Direction de l'insertion (A)"
    )
    org_x = Organization.objects.create(
        department=dept_a, territory=t1, kind=OrganizationKind.DEPARTMENT_SERVICE, name="Service insertion X"
    )
    org_y = Organization.objects.create(department=dept_a, kind=OrganizationKind.SIAE, name="Chantier Y")
    org_z = Organization.objects.create(
        department=dept_b, kind=OrganizationKind.DEPARTMENT_SERVICE, name="Service insertion Z"
    )
    w = World(dept_a, dept_b, t1, direction, org_x, org_y, org_z)

    u = w.users
    u["anonymous"] = None
    u["cip"] = _user("cip", "Camille", "Martin")
    u["cip_out"] = _user("cip-out", "Cyril", "Hors-Equipe")
    u["social_worker"] = _user("as", "Samia", "Benali")
    u["psychologist"] = _user("psy", "Paul", "Lemaire")
    u["psychologist_out"] = _user("psy-out", "Pia", "Ailleurs")
    u["digital_advisor"] = _user("numerique", "Nora", "Diallo")
    u["socio_esthetician"] = _user("esthetique", "Ines", "Moreau")
    u["agency_head"] = _user("chef", "Helene", "Garnier")
    u["orientation_officer"] = _user("orientation", "Yanis", "Roux")
    u["steering"] = _user("pilotage", "Claire", "Fontaine")
    u["administrator"] = _user("gestion", "Marc", "Petit")
    u["platform_admin"] = _user("plateforme", "Ada", "Admin", is_staff=True, is_superuser=True)
    u["multi"] = _user("multi", "Max", "Double")
    u["cip_b"] = _user("cip-b", "Bea", "Paris")
    u["ended"] = _user("parti", "Eric", "Parti")
    u["inactive"] = _user("inactif", "Ivan", "Inactif", is_active=False)
    u["partner"] = _user("partenaire", "Paula", "Partenaire")

    _member(u["cip"], org_x, Profession.CIP)
    _member(u["cip_out"], org_x, Profession.CIP)
    _member(u["social_worker"], org_x, Profession.SOCIAL_WORKER)
    _member(u["psychologist"], org_x, Profession.PSYCHOLOGIST)
    _member(u["psychologist_out"], org_x, Profession.PSYCHOLOGIST)
    _member(u["digital_advisor"], org_x, Profession.DIGITAL_ADVISOR)
    _member(u["socio_esthetician"], org_x, Profession.SOCIO_ESTHETICIAN)
    _member(u["agency_head"], org_x, Profession.AGENCY_HEAD, role=MembershipRole.MANAGER)
    _member(u["orientation_officer"], direction, Profession.ORIENTATION_OFFICER)
    _member(u["steering"], direction, Profession.STEERING)
    _member(u["administrator"], org_x, Profession.ADMINISTRATOR, role=MembershipRole.MANAGER)
    _member(u["multi"], org_x, Profession.CIP)
    _member(u["multi"], org_y, Profession.CIP)
    _member(u["cip_b"], org_z, Profession.CIP)
    _member(
        u["ended"],
        org_x,
        Profession.CIP,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=1),
    )
    _member(u["inactive"], org_x, Profession.CIP)
    _member(u["partner"], org_y, Profession.PARTNER)  # keeps the services of Y in the catalogue

    # Alice, followed in X by the CIP, with her multidisciplinary team.
    cip = u["cip"]
    w.alice = person(dept_a, "Alice", "Durand", birth_date=datetime.date(1984, 5, 12), phone="0601020304")
    fu = w.follow_up = open_follow_up(
        w.alice,
        by=cip,
        parcours=Parcours.SOCIO_PRO,
        organization=org_x,
        referent=cip,
        start_date=today - datetime.timedelta(days=60),
    )
    add_team_member(fu, by=cip, user=cip, profession=Profession.CIP, role=TeamRole.REFERENT)
    add_team_member(fu, by=cip, user=u["social_worker"], profession=Profession.SOCIAL_WORKER, role=TeamRole.BINOME)
    add_team_member(fu, by=cip, user=u["psychologist"], profession=Profession.PSYCHOLOGIST)
    add_team_member(fu, by=cip, user=u["digital_advisor"], profession=Profession.DIGITAL_ADVISOR)
    add_team_member(fu, by=cip, user=u["socio_esthetician"], profession=Profession.SOCIO_ESTHETICIAN)
    add_team_member(fu, by=cip, user=u["ended"], profession=Profession.CIP)  # membership ended yesterday
    add_team_member(fu, by=cip, user=u["inactive"], profession=Profession.CIP)  # account deactivated

    # Sensitive sections, each through the service that writes them (one version bump each).
    a = w.alice
    update_beneficiary(a, by=cip, expected_version=a.version, changes={"nir": ALICE_NIR}, section=Section.NIR)
    update_beneficiary(
        a,
        by=cip,
        expected_version=a.version,
        changes={"rqth": True, "health_notes": CANARY["health"]},
        section=Section.HEALTH,
    )
    update_beneficiary(
        a,
        by=cip,
        expected_version=a.version,
        changes={"leaving_prison": True, "justice_notes": CANARY["justice"]},
        section=Section.JUSTICE,
    )
    add_note(
        a,
        by=u["psychologist"],
        profession=Profession.PSYCHOLOGIST,
        body=CANARY["psy_note"],
        visibility=NoteVisibility.PROFESSION,
    )
    add_note(a, by=cip, profession=Profession.CIP, body=CANARY["cip_note"], visibility=NoteVisibility.PROFESSION)
    add_note(a, by=cip, profession=Profession.CIP, body=CANARY["team_note"], visibility=NoteVisibility.TEAM)

    make_diagnostic(
        fu,
        by=cip,
        situation=CANARY["diagnostic"],
        project="Cariste",
        rome_code="N1101",
        levels={"mobility": "to_work_on"},
    )
    grade_barrier(fu, barrier="health", level="to_work_on", by=u["psychologist"], comment=CANARY["health_barrier"])

    w.contract = create_contract(
        fu,
        by=cip,
        kind=ContractKind.ENGAGEMENT,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=150),
        weekly_hours=Decimal("15"),
        hours_exemption=HoursExemption.NONE,
        signed_on=today - datetime.timedelta(days=30),
    )
    w.goal = add_goal(w.contract, by=cip, title=CANARY["goal"], barrier="mobility")
    w.action = add_action(
        w.goal,
        by=cip,
        title="Passer le CACES 3",
        owner=ActionOwner.BENEFICIARY,
        due_date=today + datetime.timedelta(days=30),
    )

    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    w.appointment_past = plan_appointment(
        a,
        follow_up=fu,
        counselor=cip,
        by=cip,
        starts_at=max(now - datetime.timedelta(minutes=30), midnight),
        kind=AppointmentKind.FOLLOW_UP,
        mode=Mode.ON_SITE,
        place="Agence T1",
    )
    w.appointment_future = plan_appointment(
        a,
        follow_up=fu,
        counselor=cip,
        by=cip,
        starts_at=timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=7), datetime.time(10, 0))
        ),
        kind=AppointmentKind.FOLLOW_UP,
        mode=Mode.PHONE,
    )

    # The other people, each with their own referent.
    w.bob = person(dept_a, "Bob", "Lefebvre")
    open_follow_up(w.bob, by=u["cip_out"], parcours=Parcours.PRO, organization=org_x, referent=u["cip_out"])
    w.carla = person(dept_b, "Carla", "Nguyen")
    open_follow_up(w.carla, by=u["cip_b"], parcours=Parcours.SOCIAL, organization=org_z, referent=u["cip_b"])
    w.dan = person(dept_a, "Dan", "Moreau")
    open_follow_up(w.dan, by=u["multi"], parcours=Parcours.PRO, organization=org_y, referent=u["multi"])
    return w

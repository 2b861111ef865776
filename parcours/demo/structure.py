"""The demo département's structure: territories, organisations, professionals and the demo personas."""

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from faker import Faker

from parcours.accounts.enums import MembershipRole, Profession
from parcours.accounts.models import Membership, User
from parcours.demo.tiers import DEMO_DOMAIN, DEMO_PASSWORD, Tier
from parcours.organizations.enums import OrganizationKind, TerritoryKind
from parcours.organizations.models import Commune, Department, Organization, Territory

# One login per persona, listed by `make run`.
PERSONAS = [
    ("cip", Profession.CIP, "Camille", "Martin", "CIP référente, agence 1"),
    ("as", Profession.SOCIAL_WORKER, "Samia", "Benali", "assistante sociale, binôme de la CIP"),
    ("psy", Profession.PSYCHOLOGIST, "Paul", "Lemaire", "psychologue de l'agence 1"),
    ("numerique", Profession.DIGITAL_ADVISOR, "Nora", "Diallo", "conseillère numérique"),
    ("esthetique", Profession.SOCIO_ESTHETICIAN, "Inès", "Moreau", "socio-esthéticienne"),
    ("chef", Profession.AGENCY_HEAD, "Hélène", "Garnier", "cheffe de l'agence 1"),
    ("orientation", Profession.ORIENTATION_OFFICER, "Yanis", "Roux", "chargé d'orientation"),
    ("pilotage", Profession.STEERING, "Claire", "Fontaine", "pilotage départemental"),
    ("gestion", Profession.ADMINISTRATOR, "Marc", "Petit", "administrateur de l'organisation"),
]


def persona_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


@dataclass
class Agency:
    territory: Territory
    organization: Organization
    communes: list
    weights: list
    address: str
    counselors: list = field(default_factory=list)
    social_workers: list = field(default_factory=list)
    psychologists: list = field(default_factory=list)
    digital_advisors: list = field(default_factory=list)
    estheticians: list = field(default_factory=list)


@dataclass
class Structure:
    department: Department
    direction: Organization
    agencies: list
    personas: dict


class StructureBuilder:
    def __init__(self, tier: Tier, rng: random.Random, fake: Faker):
        self.tier = tier
        self.rng = rng
        self.fake = fake
        self.password = make_password(DEMO_PASSWORD)
        self.emails: set[str] = set()

    def user(self, first: str, last: str, email: str | None = None) -> User:
        if email is None:
            base = f"{first}.{last}".lower().replace(" ", "-").replace("'", "")
            base = base.encode("ascii", "ignore").decode() or "agent"
            email = f"{base}@{DEMO_DOMAIN}"
            n = 1
            while email in self.emails:
                n += 1
                email = f"{base}{n}@{DEMO_DOMAIN}"
        self.emails.add(email)
        return User(email=email, first_name=first, last_name=last, password=self.password)

    def build(self) -> Structure:
        department = Department.objects.create(code="93", name="Seine-Saint-Denis")
        communes = list(Commune.objects.filter(department_code="93").order_by("-population"))
        if not communes:
            raise RuntimeError("Les communes ne sont pas chargées : lancez d'abord « manage.py migrate ».")
        direction = Organization.objects.create(
            department=department,
            kind=OrganizationKind.DEPARTMENT_SERVICE,
            name="Direction de l'insertion",
            code="direction",
        )
        agencies = []
        n_agencies = self.tier.agencies
        for i in range(n_agencies):
            own = communes[i::n_agencies] or [communes[i % len(communes)]]
            seat = own[0]
            territory = Territory.objects.create(
                department=department,
                kind=TerritoryKind.LOCAL_AGENCY,
                name=f"Agence locale d'insertion de {seat.name}",
            )
            territory.communes.set(own)
            org = Organization.objects.create(
                department=department,
                territory=territory,
                kind=OrganizationKind.DEPARTMENT_SERVICE,
                name=f"ALI {seat.name}" if n_agencies > 30 else f"Agence locale d'insertion de {seat.name}",
                code=f"ali-{i + 1}",
            )
            address = f"{self.rng.randint(1, 120)} {self.fake.street_name()}, {seat.main_postal_code} {seat.name}"
            agencies.append(Agency(territory, org, own, [max(c.population or 1, 1) for c in own], address))
        users, memberships, personas = [], [], {}

        def staff(agency, profession, first=None, last=None, key=None):
            first = first or self.fake.first_name()
            last = last or self.fake.last_name()
            user = self.user(first, last, persona_email(key) if key else None)
            users.append(user)
            memberships.append((user, agency.organization if agency else direction, profession))
            if key:
                personas[key] = user
            return user

        for index in range(self.tier.counselors):
            agency = agencies[index % n_agencies]
            key = "cip" if index == 0 else None
            first, last = ("Camille", "Martin") if index == 0 else (None, None)
            agency.counselors.append(staff(agency, Profession.CIP, first, last, key))
        for agency in agencies:
            n = len(agency.counselors)
            for _ in range(max(1, n // 5)):
                agency.social_workers.append(staff(agency, Profession.SOCIAL_WORKER))
            for _ in range(max(1, n // 15)):
                agency.psychologists.append(staff(agency, Profession.PSYCHOLOGIST))
                agency.digital_advisors.append(staff(agency, Profession.DIGITAL_ADVISOR))
                agency.estheticians.append(staff(agency, Profession.SOCIO_ESTHETICIAN))
        # The personas of agency 1 replace its first support staff, so they have real people to follow.
        first = agencies[0]
        for key, profession, first_name, last_name, _label in PERSONAS[1:5]:
            pool = {
                Profession.SOCIAL_WORKER: first.social_workers,
                Profession.PSYCHOLOGIST: first.psychologists,
                Profession.DIGITAL_ADVISOR: first.digital_advisors,
                Profession.SOCIO_ESTHETICIAN: first.estheticians,
            }[profession]
            user = pool[0]
            self.emails.discard(user.email)
            user.first_name, user.last_name, user.email = first_name, last_name, persona_email(key)
            self.emails.add(user.email)
            personas[key] = user
        for agency in agencies:
            staff(agency, Profession.AGENCY_HEAD, *(("Hélène", "Garnier", "chef") if agency is first else ()))
        staff(None, Profession.ORIENTATION_OFFICER, "Yanis", "Roux", "orientation")
        staff(None, Profession.STEERING, "Claire", "Fontaine", "pilotage")
        staff(None, Profession.ADMINISTRATOR, "Marc", "Petit", "gestion")
        User.objects.bulk_create(users, batch_size=2000)
        saved = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
        for u in users:
            u.pk = saved[u.email].pk
        Membership.objects.bulk_create(
            [
                Membership(
                    user_id=user.pk,
                    organization=org,
                    profession=profession,
                    role=MembershipRole.MANAGER if profession == Profession.ADMINISTRATOR else MembershipRole.MEMBER,
                    start_date=self.fake.date_between(start_date="-6y", end_date="-400d"),
                )
                for user, org, profession in memberships
            ],
            batch_size=2000,
        )
        admin = User.objects.create_superuser(
            persona_email("admin"), DEMO_PASSWORD, first_name="Alex", last_name="Admin"
        )
        personas["admin"] = admin
        return Structure(department, direction, agencies, personas)

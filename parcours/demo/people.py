"""People of the demo département and a believable history of their accompaniment, counselor by counselor."""

import datetime
import random
import uuid

from django.db import transaction
from django.utils import timezone
from faker import Faker

from parcours.accounts.enums import Profession
from parcours.agenda.enums import AppointmentKind, AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.demo import texts
from parcours.demo.fastinsert import db_adapters, insert_rows, insert_tuples
from parcours.diagnostics.enums import Barrier, BarrierLevel
from parcours.diagnostics.models import BarrierAssessment, Diagnostic
from parcours.intake.matching import write_match_keys
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.enums import NoteVisibility, Parcours, TeamRole
from parcours.orientation.models import CareTeamMember, FollowUp, Note
from parcours.people.enums import EducationLevel, HouseholdRole, RsaStatus, Sex
from parcours.people.models import Beneficiary, Household, nir_index
from parcours.plans.enums import ActionOwner, ActionStatus, ContractKind, HoursExemption
from parcours.plans.models import Action, Contract, Goal

APPOINTMENT_COLUMNS = (
    "version",
    "public_id",
    "department_id",
    "beneficiary_id",
    "follow_up_id",
    "counselor_id",
    "starts_at",
    "duration_minutes",
    "kind",
    "mode",
    "place",
    "status",
    "report",
    "created_at",
)
ASSESSMENT_COLUMNS = (
    "department_id",
    "follow_up_id",
    "diagnostic_id",
    "author_id",
    "barrier",
    "level",
    "intensity",
    "comment",
    "assessed_on",
    "created_at",
    "is_current",
)
EVENT_COLUMNS = ("department_id", "beneficiary_id", "actor_id", "at", "kind", "section", "summary")
SLOTS = [(9, 0), (9, 45), (10, 30), (11, 15), (13, 30), (14, 15), (15, 0), (15, 45), (16, 30)]
STATUS_WEIGHTS = [
    (AppointmentStatus.SEEN, 74),
    (AppointmentStatus.NO_SHOW, 12),
    (AppointmentStatus.EXCUSED, 9),
    (AppointmentStatus.CANCELLED, 5),
]
LEVEL_WEIGHTS = [
    (BarrierLevel.NONE, 38),
    (BarrierLevel.TO_WORK_ON, 34),
    (BarrierLevel.NOT_ADDRESSED, 18),
    (BarrierLevel.BEING_LIFTED, 10),
]


def pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


EPOCH = datetime.date(2024, 1, 1)  # a Monday: every series is anchored on it, so slots never collide


def first_in_cycle(since: datetime.date, working_day: int, every: int) -> datetime.date:
    """First date on or after `since` that is the `working_day`-th working day of its `every`-day cycle."""
    offset = (working_day // 5) * 7 + working_day % 5
    cycles = max(0, -(-((since - EPOCH).days - offset) // every))
    return EPOCH + datetime.timedelta(days=offset + cycles * every)


def nir_for(rng, sex: str, birth: datetime.date, insee: str) -> str:
    dept, commune = (insee[:2], insee[2:]) if insee[:2] not in ("2A", "2B") else ("20", insee[2:])
    body = f"{1 if sex == Sex.MALE else 2}{birth:%y}{birth:%m}{dept}{commune}{rng.randint(1, 999):03d}"
    return f"{body}{97 - int(body) % 97:02d}"


# Who else joins a team, how often: (agency pool, profession, role, appointment kind, share, not in parcours pro).
EXTRA_MEMBERS = (
    ("social_workers", Profession.SOCIAL_WORKER, TeamRole.BINOME, AppointmentKind.SOCIAL, 0.6, True),
    ("psychologists", Profession.PSYCHOLOGIST, TeamRole.CONTRIBUTOR, AppointmentKind.PSYCHOLOGICAL, 0.12, False),
    ("digital_advisors", Profession.DIGITAL_ADVISOR, TeamRole.CONTRIBUTOR, AppointmentKind.DIGITAL, 0.1, False),
    ("estheticians", Profession.SOCIO_ESTHETICIAN, TeamRole.CONTRIBUTOR, AppointmentKind.WELLBEING, 0.05, False),
)


class PeopleBuilder:
    """Creates the caseload of a batch of counselors in one transaction."""

    def __init__(self, structure, tier, rng: random.Random, fake: Faker):
        self.s = structure
        self.tier = tier
        self.rng = rng
        self.fake = fake
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.team_counter: dict[int, int] = {}
        self.nirs: set[str] = set()
        self.uuid_db, self.dt_db, self.date_db = db_adapters()

    def at(self, day: datetime.date, slot: int) -> datetime.datetime:
        hour, minute = SLOTS[slot % len(SLOTS)]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    @transaction.atomic
    def build(self, batch: list) -> int:
        """`batch`: (agency, counselor) pairs. Returns the number of people created."""
        rng, fake, dept = self.rng, self.fake, self.s.department
        households, people, plans = [], [], []
        for agency, counselor in batch:
            for position in range(self.tier.people_per_counselor):
                sex = rng.choice([Sex.FEMALE, Sex.MALE])
                first = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
                last = fake.last_name()
                birth = fake.date_of_birth(minimum_age=18, maximum_age=64)
                commune = rng.choices(agency.communes, agency.weights)[0]
                household = Household(
                    department=dept,
                    caf_number=f"{rng.randint(1000000, 9999999)}",
                    rsa_status=pick(
                        rng, [(RsaStatus.OPEN_PAYABLE, 90), (RsaStatus.OPEN_SUSPENDED, 6), (RsaStatus.PENDING, 4)]
                    ),
                    rsa_since=fake.date_between(start_date="-8y", end_date="-3m"),
                )
                rqth = rng.random() < 0.08
                prison = rng.random() < 0.03
                nir = nir_for(rng, sex, birth, commune.insee_code)
                while nir in self.nirs:  # the order number is random: redraw on the rare collision
                    nir = nir_for(rng, sex, birth, commune.insee_code)
                self.nirs.add(nir)
                person = Beneficiary(
                    department=dept,
                    household_role=HouseholdRole.APPLICANT,
                    first_name=first,
                    last_name=last,
                    birth_name=fake.last_name() if sex == Sex.FEMALE and rng.random() < 0.25 else "",
                    sex=sex,
                    birth_date=birth,
                    email=f"{first}.{last}{rng.randint(1, 99)}@example.org".lower() if rng.random() < 0.4 else "",
                    phone="06 " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4)),
                    address_line=f"{rng.randint(1, 180)} {fake.street_name()}",
                    commune=commune,
                    nir=nir,
                    nir_index=nir_index(nir),
                    caf_number=household.caf_number,
                    internal_id=f"D93-{uuid.UUID(int=rng.getrandbits(128)).hex[:10].upper()}",
                    education_level=rng.choice(EducationLevel.values),
                    homeless=rng.random() < 0.05,
                    single_parent=sex == Sex.FEMALE and rng.random() < 0.3,
                    caregiver=rng.random() < 0.03,
                    rqth=rqth,
                    health_notes=rng.choice(texts.HEALTH_NOTES) if rqth else "",
                    leaving_prison=prison,
                    justice_notes=rng.choice(texts.JUSTICE_NOTES) if prison else "",
                )
                households.append(household)
                people.append(person)
                plans.append((agency, counselor, position))
        Household.objects.bulk_create(households, batch_size=2000)
        for person, household in zip(people, households, strict=True):
            person.household = household
            person.refresh_name_keys()  # bulk_create does not call save(): the matching keys are set here
        Beneficiary.objects.bulk_create(people, batch_size=2000)
        write_match_keys(self.s.department.pk, people)
        follow_ups = [
            self._follow_up(p, agency, counselor) for p, (agency, counselor, _pos) in zip(people, plans, strict=True)
        ]
        FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
        self._histories(people, follow_ups, plans)
        return len(people)

    def _follow_up(self, person, agency, counselor):
        rng = self.rng
        start = self.today - datetime.timedelta(days=rng.randint(25, self.tier.history_days + 180))
        return FollowUp(
            department=self.s.department,
            beneficiary=person,
            parcours=pick(rng, [(Parcours.PRO, 45), (Parcours.SOCIO_PRO, 35), (Parcours.SOCIAL, 20)]),
            organization=agency.organization,
            referent=None if rng.random() < 0.03 else counselor,
            start_date=start,
        )

    def _team_slot(self, user) -> tuple[int, int]:
        n = self.team_counter.get(user.pk, 0)
        self.team_counter[user.pk] = n + 1
        return n % 20, (n // 20) % len(SLOTS)

    def _histories(self, people, follow_ups, plans):
        rng = self.rng
        team, diagnostics, assessments, contracts = [], [], [], []
        goal_plans, appointments, notes, events = [], [], [], []
        for person, fu, (agency, counselor, position) in zip(people, follow_ups, plans, strict=True):
            if fu.referent_id:
                team.append(
                    CareTeamMember(
                        follow_up=fu,
                        user=counselor,
                        profession=Profession.CIP,
                        role=TeamRole.REFERENT,
                        since=fu.start_date,
                    )
                )
            members = [
                (rng.choice(getattr(agency, pool)), profession, role, kind)
                for pool, profession, role, kind, share, not_pro in EXTRA_MEMBERS
                if (not not_pro or fu.parcours != Parcours.PRO) and rng.random() < share
            ]
            for user, profession, role, _kind in members:
                team.append(
                    CareTeamMember(follow_up=fu, user=user, profession=profession, role=role, since=fu.start_date)
                )
            events.append(
                self._event(
                    person,
                    counselor,
                    fu.start_date,
                    "follow_up",
                    f"Accompagnement ouvert : parcours {fu.get_parcours_display().lower()}",
                )
            )
            # Diagnostic and freins, with an evolution for some.
            diag_day = fu.start_date + datetime.timedelta(days=rng.randint(5, 15))
            open_barriers = []
            if diag_day <= self.today:
                project, rome = rng.choice(texts.ROME_PROJECTS)
                diagnostic = Diagnostic(
                    department=self.s.department,
                    follow_up=fu,
                    author=counselor,
                    made_on=diag_day,
                    situation=rng.choice(texts.SITUATIONS),
                    strengths=rng.choice(texts.STRENGTHS),
                    project=project,
                    rome_code=rome,
                )
                diagnostics.append(diagnostic)
                events.append(
                    self._event(
                        person,
                        counselor,
                        diag_day,
                        "diagnostic",
                        "Nouveau diagnostic socio-professionnel",
                        Section.SOCIO_PRO,
                    )
                )
                for barrier in Barrier:
                    level = pick(rng, LEVEL_WEIGHTS)
                    later = None
                    if level in (BarrierLevel.TO_WORK_ON, BarrierLevel.BEING_LIFTED) and rng.random() < 0.35:
                        days = (self.today - diag_day).days
                        if days > 20:
                            later = (
                                diag_day + datetime.timedelta(days=rng.randint(15, days)),
                                rng.choice([BarrierLevel.BEING_LIFTED, BarrierLevel.LIFTED]),
                            )
                    row = (diagnostic, fu.pk, counselor.pk, barrier.value, level.value, diag_day, later is None)
                    assessments.append(row)
                    if later:
                        assessments.append((None, fu.pk, counselor.pk, barrier.value, later[1].value, later[0], True))
                    final = later[1] if later else level
                    if final in (BarrierLevel.TO_WORK_ON, BarrierLevel.BEING_LIFTED):
                        open_barriers.append(barrier)
            # Contract with goals and actions.
            sign_day = fu.start_date + datetime.timedelta(days=rng.randint(18, 35))
            if sign_day <= self.today and rng.random() < 0.85:
                exemption = HoursExemption.NONE
                hours = 15
                if person.rqth and rng.random() < 0.5:
                    exemption, hours = HoursExemption.DISABILITY, 0
                elif person.single_parent and rng.random() < 0.3:
                    exemption, hours = HoursExemption.SINGLE_PARENT, 0
                elif rng.random() < 0.1:
                    exemption, hours = HoursExemption.REDUCED, rng.choice([6, 8, 10])
                contract = Contract(
                    department=self.s.department,
                    follow_up=fu,
                    kind=ContractKind.ENGAGEMENT,
                    signed_on=sign_day,
                    start_date=sign_day,
                    end_date=sign_day + datetime.timedelta(days=rng.choice([182, 365])),
                    weekly_hours=hours,
                    hours_exemption=exemption,
                )
                contracts.append(contract)
                events.append(
                    self._event(
                        person, counselor, sign_day, "contract", "Contrat d'engagement signé", Section.SOCIO_PRO
                    )
                )
                topics = [b.value for b in open_barriers[:2]] + ["job"]
                for topic in topics:
                    title, actions = texts.GOALS[topic]
                    goal_plans.append(
                        (
                            contract,
                            fu,
                            Goal(contract=contract, title=title, barrier=topic if topic != "job" else ""),
                            rng.sample(actions, k=min(len(actions), rng.randint(1, 2))),
                            sign_day,
                        )
                    )
            # Appointments: the referent every 14 days at a fixed slot, team members every 28 days.
            if fu.referent_id:
                appointments += self._series(
                    person,
                    fu,
                    counselor,
                    agency,
                    position % 10,
                    (position // 10) % len(SLOTS),
                    14,
                    AppointmentKind.FOLLOW_UP,
                )
            for user, _profession, _role, kind in members:
                day_offset, slot = self._team_slot(user)
                appointments += self._series(person, fu, user, agency, day_offset, slot, 28, kind, planned_rate=0.7)
                if _profession == Profession.PSYCHOLOGIST:
                    notes.append(
                        Note(
                            department=self.s.department,
                            beneficiary=person,
                            author=user,
                            profession=Profession.PSYCHOLOGIST,
                            visibility=NoteVisibility.PROFESSION,
                            body=rng.choice(texts.PSY_NOTES),
                            created_at=self._moment(fu.start_date),
                        )
                    )
            for _ in range(rng.randint(0, 2)):
                notes.append(
                    Note(
                        department=self.s.department,
                        beneficiary=person,
                        author=counselor,
                        profession=Profession.CIP,
                        visibility=NoteVisibility.TEAM,
                        body=rng.choice(texts.TEAM_NOTES),
                        created_at=self._moment(fu.start_date),
                    )
                )
        insert_rows(CareTeamMember, team)
        Diagnostic.objects.bulk_create(diagnostics, batch_size=5000)
        dept, on = self.s.department.pk, self.date_db
        created = self.dt_db(self.now)
        insert_tuples(
            BarrierAssessment._meta.db_table,
            ASSESSMENT_COLUMNS,
            [
                (dept, fu_pk, diag.pk if diag else None, author, barrier, level, "", "", on(day), created, current)
                for diag, fu_pk, author, barrier, level, day, current in assessments
            ],
        )
        Contract.objects.bulk_create(contracts, batch_size=5000)
        Goal.objects.bulk_create([g for _c, _f, g, _a, _d in goal_plans], batch_size=5000)
        actions = []
        for _contract, fu, goal, titles, sign_day in goal_plans:
            for title in titles:
                due = sign_day + datetime.timedelta(days=rng.randint(20, 150))
                status = (
                    ActionStatus.DONE
                    if due < self.today and rng.random() < 0.6
                    else pick(
                        rng, [(ActionStatus.PLANNED, 50), (ActionStatus.IN_PROGRESS, 40), (ActionStatus.ABANDONED, 10)]
                    )
                )
                actions.append(
                    Action(
                        department=self.s.department,
                        follow_up=fu,
                        goal=goal,
                        title=title,
                        status=status,
                        owner=rng.choice(ActionOwner.values),
                        due_date=due,
                    )
                )
        insert_rows(Action, actions)
        insert_tuples(Appointment._meta.db_table, APPOINTMENT_COLUMNS, appointments)
        insert_rows(Note, notes)
        insert_tuples(TimelineEvent._meta.db_table, EVENT_COLUMNS, events)

    def _moment(self, since: datetime.date) -> datetime.datetime:
        span = max((self.today - since).days, 1)
        day = since + datetime.timedelta(days=self.rng.randint(0, span))
        return self.at(day, self.rng.randrange(len(SLOTS)))

    def _event(self, person, actor, day, kind, summary, section=Section.IDENTITY):
        return (self.s.department.pk, person.pk, actor.pk, self.dt_db(self.at(day, 0)), kind, section.value, summary)

    def _series(self, person, fu, counselor, agency, day_offset, slot, every, kind, planned_rate=0.88):
        rng = self.rng
        first = first_in_cycle(fu.start_date, day_offset % (every // 7 * 5), every)
        gap_from = None
        if rng.random() < 0.2:  # a share of people whose cadence broke down a while ago
            gap_from = self.today - datetime.timedelta(days=rng.randint(20, 70))
        result = []
        day = first
        n = 0
        while day <= self.today + datetime.timedelta(days=every):
            starts = self.at(day, slot)
            future = starts > self.now
            if gap_from and gap_from <= day and not future:
                day += datetime.timedelta(days=every)
                continue
            if future:
                if rng.random() < planned_rate:
                    result.append(
                        self._appointment(person, fu, counselor, agency, starts, kind, AppointmentStatus.PLANNED)
                    )
                break
            status = pick(rng, STATUS_WEIGHTS)
            this_kind = AppointmentKind.DIAGNOSTIC if n == 0 and kind == AppointmentKind.FOLLOW_UP else kind
            result.append(self._appointment(person, fu, counselor, agency, starts, this_kind, status))
            day += datetime.timedelta(days=every)
            n += 1
        return result

    def _appointment(self, person, fu, counselor, agency, starts, kind, status):
        rng = self.rng
        mode = pick(rng, [(Mode.ON_SITE, 75), (Mode.PHONE, 15), (Mode.VIDEO, 5), (Mode.HOME, 5)])
        report = rng.choice(texts.REPORTS) if status == AppointmentStatus.SEEN and rng.random() < 0.5 else ""
        return (
            1,
            self.uuid_db(uuid.UUID(int=rng.getrandbits(128), version=4)),
            self.s.department.pk,
            person.pk,
            fu.pk,
            counselor.pk,
            self.dt_db(starts),
            45,
            kind.value if hasattr(kind, "value") else kind,
            mode.value,
            agency.address if mode == Mode.ON_SITE else "",
            status.value if hasattr(status, "value") else status,
            report,
            self.dt_db(self.now),
        )

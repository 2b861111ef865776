"""Planning on the database: availability, constraints, rooms, proposals, confirmation and re-planning."""

import datetime
from unittest import mock

import holidays
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.agenda.enums import AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.jobs.runner import run_pending
from parcours.journal.models import TimelineEvent
from parcours.orientation.enums import Parcours
from parcours.orientation.models import FollowUp
from parcours.scheduling.availability import build_batch
from parcours.scheduling.demo import seed_availability
from parcours.scheduling.enums import DayPart, RunStatus
from parcours.scheduling.models import (
    Absence,
    PersonConstraints,
    Place,
    PlanningRun,
    Room,
    RoomBooking,
    WorkingHours,
)
from parcours.scheduling.services import confirm_plan, propose_plan, request_replan
from tests.world import person

T = datetime.time
INVITE = "parcours.notifications.services.invite"


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, T(hour, minute)))


def next_holiday_week():
    """Monday of the next week (from next week on) holding a public holiday on a weekday, and that holiday."""
    today = timezone.localdate()
    days = holidays.country_holidays("FR", years=[today.year, today.year + 1])
    h = min(d for d in days if d >= today + datetime.timedelta(days=5) and d.weekday() < 5)
    return h - datetime.timedelta(days=h.weekday()), h


def place(world, rooms=2, org=None):
    p = Place.objects.create(organization=org or world.org_x, name="Agence T1", address="1 rue de la Paix, Bondy")
    Room.objects.bulk_create([Room(place=p, name=f"Bureau {n + 1}") for n in range(rooms)])
    return p


DAY_RANGES = ((T(9, 0), T(12, 0)), (T(14, 0), T(17, 0)))
ONE_SLOT = (T(9, 0), T(9, 45))


def hours(user, where, ranges=DAY_RANGES, weekdays=range(5)):
    WorkingHours.objects.bulk_create(
        [WorkingHours(user=user, weekday=d, start=s, end=e, place=where) for d in weekdays for s, e in ranges]
    )


def due(world, counselor, due_on, *, mode=Mode.ON_SITE, name="Personne", referent=None, **constraints):
    """A person followed by `counselor`, last seen 15 days before `due_on` (cadence of 15 days)."""
    p = person(world.dept_a, name, "Due")
    seen = due_on - datetime.timedelta(days=15)
    fu = FollowUp.objects.create(
        department=world.dept_a,
        beneficiary=p,
        parcours=Parcours.PRO,
        organization=world.org_x,
        referent=referent or counselor,
        start_date=seen - datetime.timedelta(days=30),
    )
    Appointment.objects.create(
        department=world.dept_a,
        beneficiary=p,
        follow_up=fu,
        counselor=counselor,
        starts_at=at(seen, 10),
        mode=mode,
        status=AppointmentStatus.SEEN,
    )
    if constraints:
        PersonConstraints.objects.create(beneficiary=p, **constraints)
    return p


def only_our_people(world):
    """End the world's own follow-ups (Alice, Bob…): each test then knows exactly who is due."""
    FollowUp.objects.filter(end_date__isnull=True).update(end_date=timezone.localdate(), exit_reason="other")


def items_of(run, people):
    ids = {p.pk for p in people}
    return {i.beneficiary_id: i for i in run.items.all() if i.beneficiary_id in ids}


@pytest.mark.django_db
def test_holidays_and_absences_are_never_used(world):
    cip = world["cip"]
    monday, holiday = next_holiday_week()
    hours(cip, place(world), ranges=((T(9, 0), T(10, 30)),))  # two slots a day
    absent = next(d for d in (monday + datetime.timedelta(days=k) for k in range(5)) if d != holiday)
    Absence.objects.create(user=cip, starts_at=at(absent, 0), ends_at=at(absent + datetime.timedelta(days=1), 0))
    people = [due(world, cip, holiday, name=f"P{k}") for k in range(6)]  # ≥ 3 working days in the ±3-day window
    run = propose_plan(cip, by=cip, start=monday, days=10)
    days = {timezone.localtime(i.starts_at).date() for i in run.items.all()}
    assert holiday not in days and absent not in days
    assert run.end > monday + datetime.timedelta(days=11)  # the holiday does not count as a working day
    assert len(items_of(run, people)) == 6  # everyone placed around the holiday and the absence


@pytest.mark.django_db
def test_constraints_mornings_only_and_childcare_hours(world):
    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world), ranges=((T(9, 0), T(13, 30)), (T(13, 30), T(17, 0))))
    day = monday + datetime.timedelta(days=7)
    morning = due(world, cip, day, name="Matin", day_part=DayPart.MORNING)
    childcare = due(world, cip, day, name="Garde", unavailable_from=T(11, 30), unavailable_until=T(13, 30))
    no_wed = due(world, cip, day, name="Mercredi", weekdays_off=[0, 1, 2, 3, 4][day.weekday() : day.weekday() + 1])
    others = [due(world, cip, day, name=f"O{k}") for k in range(25)]  # crowd the due day
    run = propose_plan(cip, by=cip, start=monday, days=10)
    got = items_of(run, [morning, childcare, no_wed, *others])
    assert len(got) == 28
    assert timezone.localtime(got[morning.pk].starts_at).hour < 12
    start = timezone.localtime(got[childcare.pk].starts_at)
    end = start + datetime.timedelta(minutes=got[childcare.pk].duration_minutes)
    assert end.time() <= T(11, 30) or start.time() >= T(13, 30)
    assert timezone.localtime(got[no_wed.pk].starts_at).weekday() != day.weekday()
    assert "le matin seulement" in got[morning.pk].reason
    assert "indisponible de 11:30 à 13:30" in got[childcare.pk].reason


@pytest.mark.django_db
def test_rooms_are_never_double_booked_across_counselors_of_a_place(world):
    cip, other = world["cip"], world["cip_out"]
    only_our_people(world)
    monday, _ = next_holiday_week()
    where = place(world, rooms=1)
    for user in (cip, other):
        hours(user, where, ranges=((T(9, 0), T(10, 30)),), weekdays=[monday.weekday()])
    for user in (cip, other):
        for k in range(2):
            due(world, user, monday, name=f"{user.pk}-{k}")
    first = propose_plan(cip, by=cip, start=monday, days=1)
    second = propose_plan(other, by=other, start=monday, days=1)  # sees the room held by the first proposal
    taken = [(i.room_id, i.starts_at) for run in (first, second) for i in run.items.all() if i.room_id]
    assert len(taken) == len(set(taken))
    assert first.unplaced_count + second.unplaced_count == 2  # one room, two slots: two of four on site
    with mock.patch(INVITE):
        for run in (first, second):
            confirm_plan(run, by=run.counselor, item_ids=list(run.items.values_list("pk", flat=True)))
    assert RoomBooking.objects.count() == 2
    assert len(set(RoomBooking.objects.values_list("starts_at", flat=True))) == 2


@pytest.mark.django_db
def test_confirm_creates_the_appointments_invites_once_and_never_twice(world):
    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world))
    people = [due(world, cip, monday + datetime.timedelta(days=k), name=f"C{k}") for k in range(4)]
    run = propose_plan(cip, by=cip, start=monday, days=10)
    ids = [i.pk for i in items_of(run, people).values()]
    with mock.patch(INVITE) as invite:
        created = confirm_plan(run, by=cip, item_ids=ids)
        assert len(created) == 4
        invite.assert_called_once_with(created, by=cip)
        assert confirm_plan(run, by=cip, item_ids=ids) == []  # twice: nothing more
    assert Appointment.objects.filter(beneficiary__in=people, status=AppointmentStatus.PLANNED).count() == 4
    run.refresh_from_db()
    assert run.status == RunStatus.CONFIRMED
    assert TimelineEvent.objects.filter(beneficiary__in=people, summary__startswith="Rendez-vous prévu").count() == 4
    on_site = Appointment.objects.filter(beneficiary__in=people, mode=Mode.ON_SITE, status=AppointmentStatus.PLANNED)
    assert RoomBooking.objects.filter(appointment__in=on_site).count() == on_site.count() > 0


@pytest.mark.django_db
def test_confirm_invites_through_the_notifications_service(world):
    from parcours.notifications.models import Message

    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world))
    p = due(world, cip, monday, name="Inv")
    p.phone, p.email = "0601020304", "inv@example.org"
    p.save()
    run = propose_plan(cip, by=cip, start=monday, days=10)
    (created,) = confirm_plan(run, by=cip, item_ids=[i.pk for i in items_of(run, [p]).values()])
    assert Message.objects.filter(appointment=created).count() == 1


@pytest.mark.django_db
def test_a_slot_taken_meanwhile_is_refused_with_a_french_message(world):
    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world))
    a, b = due(world, cip, monday, name="A"), due(world, cip, monday + datetime.timedelta(days=1), name="B")
    run = propose_plan(cip, by=cip, start=monday, days=10)
    items = items_of(run, [a, b])
    taken = items[a.pk]
    Appointment.objects.create(  # someone books the counselor at that time meanwhile
        department=world.dept_a,
        beneficiary=world.bob,
        counselor=cip,
        starts_at=taken.starts_at,
        status=AppointmentStatus.PLANNED,
    )
    with mock.patch(INVITE) as invite:
        created = confirm_plan(run, by=cip, item_ids=[taken.pk, items[b.pk].pk])
    assert [c.beneficiary_id for c in created] == [b.pk]
    invite.assert_called_once()
    taken.refresh_from_db()
    assert taken.appointment_id is None
    assert "n'est plus libre" in taken.refusal


@pytest.mark.django_db
def test_a_superseded_proposal_cannot_be_confirmed(world):
    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world))
    due(world, cip, monday)
    old = propose_plan(cip, by=cip, start=monday, days=10)
    propose_plan(cip, by=cip, start=monday, days=10)
    with pytest.raises(ValidationError, match="remplacée"):
        confirm_plan(old, by=cip, item_ids=list(old.items.values_list("pk", flat=True)))


def fill_agenda(world, cip, *, one_slot=ONE_SLOT):
    """One slot a day for `cip`, every free slot of the coming two weeks taken by a person followed elsewhere."""
    hours(cip, place(world), ranges=(one_slot,))
    batch = build_batch([cip.pk], start=timezone.localdate() + datetime.timedelta(days=1), days=10)
    ctx = batch.contexts[cip.pk]
    filler = []
    for slot, starts in zip(ctx.problem.slots, ctx.starts, strict=True):
        if slot.free:
            filler.append(
                Appointment.objects.create(
                    department=world.dept_a,
                    beneficiary=person(world.dept_a, "Rempli", str(slot.index)),
                    counselor=cip,
                    starts_at=starts,
                    status=AppointmentStatus.PLANNED,
                )
            )
    return filler


@pytest.mark.django_db
def test_replanning_after_a_cancellation_proposes_the_freed_slot(world):
    cip = world["cip"]
    Appointment.objects.filter(counselor=cip).update(status=AppointmentStatus.CANCELLED)  # Alice's: out of the way
    only_our_people(world)
    filler = fill_agenda(world, cip)
    waiting = due(world, cip, timezone.localdate() - datetime.timedelta(days=3), name="Attente")  # overdue
    full = propose_plan(cip, by=cip)
    assert full.unplaced_count >= 1 and waiting.pk in {u["beneficiary_id"] for u in full.unplaced}
    freed = filler[len(filler) // 2]
    freed.status = AppointmentStatus.CANCELLED
    freed.save()
    request_replan(cip.pk, reason="cancelled", freed_appointment_id=freed.pk)
    assert run_pending() >= 1
    run = PlanningRun.objects.filter(counselor=cip).latest("created_at")
    assert run.status == RunStatus.PROPOSED and run.reason == "cancelled"
    item = items_of(run, [waiting])[waiting.pk]
    assert item.starts_at == freed.starts_at
    assert "libéré par une annulation" in item.reason
    full.refresh_from_db()
    assert full.status == RunStatus.SUPERSEDED


@pytest.mark.django_db
def test_replanning_for_a_person_creates_and_invites_the_appointment(world):
    cip = world["cip"]
    hours(cip, place(world))
    asks = due(world, cip, timezone.localdate() + datetime.timedelta(days=40), name="Autre")  # not due
    with mock.patch(INVITE) as invite:
        request_replan(cip.pk, reason="another_slot", beneficiary_id=asks.pk)
        run_pending()
        run_pending()  # nothing runs twice
    (appointment,) = Appointment.objects.filter(beneficiary=asks, status=AppointmentStatus.PLANNED)
    assert appointment.counselor == cip and appointment.starts_at > timezone.now()
    invite.assert_called_once_with([appointment], by=None)
    run = PlanningRun.objects.filter(counselor=cip).latest("created_at")
    assert run.items.get(beneficiary=asks).appointment == appointment
    assert "autre créneau demandé" in run.items.get(beneficiary=asks).reason.lower()
    assert TimelineEvent.objects.filter(beneficiary=asks, summary__startswith="Rendez-vous prévu").exists()


@pytest.mark.django_db
def test_propose_plan_query_count_does_not_grow_with_the_caseload(world):
    cip = world["cip"]
    monday, _ = next_holiday_week()
    hours(cip, place(world))
    for k in range(3):
        due(world, cip, monday + datetime.timedelta(days=k), name=f"S{k}")
    propose_plan(cip, by=cip, start=monday, days=10)  # warm the rule cache
    with CaptureQueriesContext(connection) as small:
        propose_plan(cip, by=cip, start=monday, days=10)
    for k in range(30):
        due(world, cip, monday + datetime.timedelta(days=k % 12), name=f"L{k}", mode=[Mode.ON_SITE, Mode.HOME][k % 2])
    with CaptureQueriesContext(connection) as large:
        run = propose_plan(cip, by=cip, start=monday, days=10)
    assert run.people_due >= 33
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.django_db
def test_demo_seeding_gives_every_counselor_hours_and_places_rooms(world):
    summary = seed_availability(world.dept_a)
    assert summary["places"] >= 1 and summary["rooms"] >= 2
    assert WorkingHours.objects.filter(user=world["cip"]).exists()
    assert seed_availability(world.dept_a)["working_hours"] == 0  # idempotent
    run = propose_plan(world["cip"], by=world["cip"])
    assert run.solver_status in ("optimal", "feasible", "empty")

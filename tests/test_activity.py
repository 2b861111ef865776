"""Hours of activity (issue 5 §5): a hand-built week by source, the targets of CT L5411-6 II, the alert, and the
number of queries, which does not grow with the number of people."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.activity import services as activity
from parcours.activity.hours import below_target, monday, week_summary
from parcours.activity.queries import caseload_week
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.alerts.enums import AlertKind
from parcours.alerts.models import Alert
from parcours.alerts.tasks import scan_department
from parcours.core.models import RuleValue
from parcours.orientation.models import FollowUp
from parcours.orientation.perms import viewer_for
from parcours.plans.enums import HoursExemption
from parcours.plans.services import create_contract
from parcours.referrals.models import Attendance
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration
from tests.test_workshops_support import followed_people, make_referral, make_series, make_service, make_session

TZ_DAY = datetime.time


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, TZ_DAY(hour, minute)))


def past_week(weeks_ago: int = 2) -> datetime.date:
    return monday(timezone.localdate()) - datetime.timedelta(days=7 * weeks_ago)


def appointment(world, who, when, minutes, status):
    return Appointment.objects.create(
        department=who.department,
        beneficiary=who,
        counselor=world["cip"],
        starts_at=when,
        duration_minutes=minutes,
        status=status,
    )


def session_on(series, start, hours, person, *, status=RegistrationStatus.REGISTERED, attended=None):
    session = make_session(series, capacity=5)
    session.starts_at, session.ends_at = start, start + datetime.timedelta(hours=hours)
    session.save()
    return Registration.objects.create(
        session=session,
        beneficiary=person,
        status=status,
        attended=attended,
        waitlist_rank=1 if status == RegistrationStatus.WAITLISTED else None,
    )


def build_week(world, who, week):
    """Alice's week, a fortnight ago: every source, and things that must not count."""
    mon, tue, wed, thu, fri = (week + datetime.timedelta(days=i) for i in range(5))
    appointment(world, who, at(mon, 10), 60, AppointmentStatus.SEEN)
    appointment(world, who, at(tue, 10), 45, AppointmentStatus.NO_SHOW)  # planned, not done
    appointment(world, who, at(wed, 10), 30, AppointmentStatus.CANCELLED)  # not even planned
    appointment(world, who, at(week - datetime.timedelta(days=1), 10), 60, AppointmentStatus.SEEN)  # Sunday before
    series = make_series(world)
    session_on(series, at(thu, 9), 3, who, attended=True)
    session_on(series, at(fri, 14), 2, who, attended=False)
    session_on(series, at(fri, 9), 4, who, status=RegistrationStatus.WAITLISTED)
    referral = make_referral(world, who, make_service(world, weekly_hours=10.0), started_on=wed)
    Attendance.objects.create(referral=referral, on=thu, present=False)
    Attendance.objects.create(referral=referral, on=fri, present=True, hours=3)
    cip = world["cip"]
    activity.add_entry(who, by=cip, kind="immersion", date=mon, planned_hours=Decimal(7), done_hours=Decimal(7))
    activity.add_entry(who, by=cip, kind="immersion", date=tue, planned_hours=Decimal(7), label="Boulangerie")
    activity.add_entry(who, by=cip, kind="siae_work", date=wed, planned_hours=Decimal(4), done_hours=Decimal("3.5"))
    activity.add_entry(who, by=cip, kind="training", date=fri, done_hours=Decimal(2))
    activity.add_entry(who, by=cip, kind="other", date=week + datetime.timedelta(days=7), planned_hours=Decimal(5))


def test_a_hand_built_week_counts_each_source(world):
    week = past_week()
    build_week(world, world.alice, week)
    summary = week_summary(world.alice, week)
    assert {r.source: (r.planned, r.done) for r in summary.rows} == {
        "appointments": (1.75, 1.0),
        "workshops": (5.0, 3.0),
        "services": (6.0, 5.0),  # 10 h a week, Wednesday to Friday; absent Thursday, 3 h on Friday
        "immersion": (14.0, 7.0),
        "siae_work": (4.0, 3.5),
        "training": (0.0, 2.0),
        "other": (0.0, 0.0),  # the entry of the next Monday belongs to the next week
    }
    assert (summary.planned, summary.done) == (30.75, 21.5)
    assert summary.target.hours == 15.0 and summary.target.from_contract
    assert "15 h par semaine inscrites au contrat" in summary.target.reason
    assert summary.is_past and not summary.far_below


def test_a_service_in_progress_counts_the_days_covered_and_only_past_days_as_done(world):
    today = timezone.localdate()
    week = monday(today)
    referral = make_referral(world, world.alice, make_service(world, weekly_hours=20.0), started_on=week)
    summary = week_summary(world.alice, week, today=week + datetime.timedelta(days=2))  # on Wednesday
    services_row = next(r for r in summary.rows if r.source == "services")
    assert (services_row.planned, services_row.done) == (20.0, 8.0)  # Monday and Tuesday are past
    referral.completed_on = referral.ended_on = week + datetime.timedelta(days=1)
    referral.status = "completed"
    referral.save()
    summary = week_summary(world.alice, week, today=week + datetime.timedelta(days=2))
    assert next((r.planned, r.done) for r in summary.rows if r.source == "services") == (8.0, 8.0)


def contract_for(world, who, *, hours, exemption, start=None):
    today = timezone.localdate()
    follow_up = FollowUp.objects.open().get(beneficiary=who)
    return create_contract(
        follow_up,
        by=world["cip"],
        kind="engagement",
        start_date=start or today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=100),
        weekly_hours=Decimal(hours),
        hours_exemption=exemption,
    )


def test_targets_follow_the_contract_its_legal_adjustments_and_the_dated_rule(world):
    week = past_week(1)
    reduced, exempted, without, not_bound = followed_people(world, 4)
    contract_for(world, reduced, hours="8", exemption=HoursExemption.REDUCED)
    contract_for(world, exempted, hours="0", exemption=HoursExemption.SINGLE_PARENT)
    not_bound.rights_and_duties = False
    not_bound.save()

    target = week_summary(reduced, week).target
    assert target.hours == 8.0 and "Durée réduite au vu de la situation" in target.reason
    target = week_summary(exempted, week).target
    assert target.hours == 0.0
    assert target.reason.startswith("Sans durée : parent isolé sans solution de garde")
    assert "CT L5411-6 II" in target.reason and not week_summary(exempted, week).far_below
    target = week_summary(without, week).target
    assert (target.hours, target.from_contract) == (15.0, False)
    assert target.reason == "Pas de contrat en cours : durée de droit commun de 15 h par semaine (CT L5411-6 II)."
    assert week_summary(not_bound, week).target.hours == 0.0

    # The default is a dated rule: a département's own value applies from its date on.
    RuleValue.objects.create(key="contract.weekly_hours", value=20, effective_from=week, department=world.dept_a)
    assert week_summary(without, week).target.hours == 20.0
    assert week_summary(without, week - datetime.timedelta(days=7)).target.hours == 15.0
    assert week_summary(world.carla, week).target.hours == 15.0  # Paris keeps the national value


def test_the_alert_is_raised_far_below_target_and_resolved_when_the_hours_come(world):
    (exempted,) = followed_people(world, 1)
    FollowUp.objects.filter(beneficiary=exempted).update(start_date=timezone.localdate() - datetime.timedelta(days=60))
    contract_for(world, exempted, hours="0", exemption=HoursExemption.HEALTH)
    scan_department(world.dept_a.pk)
    alerts = Alert.objects.filter(kind=AlertKind.HOURS_BELOW_TARGET, resolved_at__isnull=True)
    # Alice: contract of 15 h, nothing done for two weeks. Bob has no contract, the other person is exempted.
    assert list(alerts.values_list("beneficiary_id", flat=True)) == [world.alice.pk]
    alert = alerts.get()
    assert alert.assigned_to == world["cip"]
    assert alert.detail.startswith("0 h d'activité réalisées du ")
    assert "pour une cible de 30 h (2 semaines) : moins de 50 % de la cible." in alert.detail

    week = past_week(2)
    for day in range(4):  # 4 × 4 h = 16 h ≥ half of 30 h
        activity.add_entry(
            world.alice, by=world["cip"], kind="training", date=week + datetime.timedelta(days=day), done_hours=4
        )
    scan_department(world.dept_a.pk)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_the_ratio_and_the_window_are_dated_rules(world):
    today = timezone.localdate()
    for _ in range(4):
        activity.add_entry(world.alice, by=world["cip"], kind="training", date=past_week(2), done_hours=4)
    follow_ups = FollowUp.objects.open().filter(department=world.dept_a)
    assert below_target(follow_ups, today=today, department_id=world.dept_a.pk) == {}
    RuleValue.objects.create(key="activity.far_below_ratio", value=0.8, effective_from=today, department=world.dept_a)
    assert list(below_target(follow_ups, today=today, department_id=world.dept_a.pk)) == [world.follow_up.pk]


def _count(func):
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("extra", [3, 12])
def test_queries_do_not_grow_with_the_number_of_people(world, extra):
    viewer = viewer_for(world["cip"])
    week = past_week()
    build_week(world, world.alice, week)
    caseload_week(viewer, week)  # warm the cache of dated rules
    alone = _count(lambda: caseload_week(viewer, week))
    follow_ups = FollowUp.objects.open().filter(department=world.dept_a)
    scan = lambda: below_target(follow_ups, today=timezone.localdate(), department_id=world.dept_a.pk)  # noqa: E731
    scan()
    scan_alone = _count(scan)
    for p in followed_people(world, extra):
        build_week(world, p, week)
        contract_for(world, p, hours="15", exemption=HoursExemption.NONE)
    FollowUp.objects.filter(beneficiary__first_name__startswith="Personne").update(
        start_date=timezone.localdate() - datetime.timedelta(days=60)
    )
    # 31.5 h done over the two weeks (the service goes on), for 30 h: a ratio of 1.2 flags everybody.
    RuleValue.objects.create(key="activity.far_below_ratio", value=1.2, effective_from=week, department=world.dept_a)
    assert len(scan()) == 1 + extra
    rows = caseload_week(viewer, week)
    assert len(rows) == 1 + extra and {r.week.done for r in rows} == {21.5}
    assert _count(lambda: caseload_week(viewer, week)) == alone <= 8
    assert _count(scan) == scan_alone <= 8


def test_the_demo_activity_is_seeded_once_and_counts_in_the_weeks(world):
    from parcours.activity.demo import seed_activity
    from parcours.activity.models import ActivityEntry

    followed_people(world, 20)
    created = seed_activity(world.dept_a, seed=2)
    assert created == ActivityEntry.objects.count() > 0
    assert not ActivityEntry.objects.filter(date__gte=timezone.localdate(), done_hours__gt=0).exists()
    assert seed_activity(world.dept_a, seed=2) == 0
    person_id = (
        ActivityEntry.objects.filter(date__lt=monday(timezone.localdate()))
        .values_list("beneficiary_id", flat=True)
        .first()
    )
    from parcours.people.models import Beneficiary

    summary = week_summary(Beneficiary.objects.get(pk=person_id), past_week(1))
    assert summary.planned > 0

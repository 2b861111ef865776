"""Referent suggestions (weights, capacity, territory, ties), assignment one by one and in bulk (water-filling,
over-capacity confirmation, constant SQL), and the orientation indicators on a hand-built set."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.agenda.enums import AppointmentStatus
from parcours.agenda.models import Appointment
from parcours.core.models import RuleValue
from parcours.journal.models import TimelineEvent
from parcours.orientation.decisions import orient, reorient
from parcours.orientation.enums import Parcours, TeamRole
from parcours.orientation.indicators import orientation_indicators, percentile
from parcours.orientation.models import CareTeamMember, FollowUp, OrientationRequest
from parcours.orientation.perms import viewer_for
from parcours.orientation.referents import (
    OverCapacity,
    assign,
    bulk_assign,
    bulk_suggest,
    counselor_board,
    over_capacity,
    suggest,
)
from tests.orientation_support import (
    commune,
    counselor,
    days_ago,
    give_caseload,
    newcomer,
    organization,
    territory,
    unassigned,
)

PRO, SOCIO, SOCIAL = Parcours.PRO, Parcours.SOCIO_PRO, Parcours.SOCIAL


@pytest.fixture
def agency(world):
    """Organisation W (target 10): Bernard 3 pro (load 3), Garcia 2 social (4), Arnaud 2 socio-pro (3)."""
    w = organization(world.dept_a, "Agence W", target=10)
    bernard = counselor("bernard", "Benoit", "Bernard", w)
    garcia = counselor("garcia", "Gina", "Garcia", w, Profession.SOCIAL_WORKER)
    arnaud = counselor("arnaud", "Alex", "Arnaud", w)
    counselor("psy-w", "Pat", "Psy", w, Profession.PSYCHOLOGIST)  # never a referent
    give_caseload(bernard, w, PRO, PRO, PRO)
    give_caseload(garcia, w, SOCIAL, SOCIAL)
    give_caseload(arnaud, w, SOCIO, SOCIO)
    return w, bernard, garcia, arnaud


def ranking(suggestions):
    return [(s.user.last_name, s.load, s.room) for s in suggestions]


def test_suggestions_weigh_each_parcours_and_break_ties_by_name(world, agency):
    w, *_ = agency
    [follow_up] = unassigned(w, PRO)
    assert ranking(suggest(follow_up)) == [("Arnaud", 3.0, 7.0), ("Bernard", 3.0, 7.0), ("Garcia", 4.0, 6.0)]
    assert {s.capacity for s in suggest(follow_up)} == {10}


def test_a_departement_weight_changes_the_order(world, agency):
    w, *_ = agency
    [follow_up] = unassigned(w, PRO)
    RuleValue.objects.create(
        key="caseload.weight.social", value=0.5, effective_from=days_ago(1), department=world.dept_a
    )
    assert ranking(suggest(follow_up))[0] == ("Garcia", 1.0, 9.0)


def test_the_persons_territory_comes_before_the_room(world, agency):
    w, bernard, garcia, arnaud = agency
    bobigny = commune("93008", "Bobigny")
    v = organization(world.dept_a, "Antenne V", territory=territory(world.dept_a, "Agence de Bobigny", bobigny))
    Membership.objects.create(user=garcia, organization=v, profession=Profession.SOCIAL_WORKER)
    [follow_up] = unassigned(w, PRO, town=bobigny)
    suggestions = suggest(follow_up)
    assert [(s.user.last_name, s.same_territory) for s in suggestions] == [
        ("Garcia", True),
        ("Arnaud", False),
        ("Bernard", False),
    ]


def test_assigning_beyond_capacity_needs_a_confirmation(world, agency):
    w, bernard, *_ = agency
    give_caseload(bernard, w, SOCIAL, SOCIAL, SOCIAL)  # 3 + 6 = 9
    [follow_up] = unassigned(w, SOCIAL)  # +2 = 11 > 10
    head = world["agency_head"]
    with pytest.raises(OverCapacity, match="Benoit Bernard dépasserait sa capacité"):
        assign(follow_up, by=head, referent=bernard)
    follow_up.refresh_from_db()
    assert follow_up.referent is None

    warning = assign(follow_up, by=head, referent=bernard, allow_over_capacity=True)
    assert warning.startswith("Attention : Benoit Bernard dépasserait sa capacité (charge 11 pour une cible de 10)")
    follow_up.refresh_from_db()
    assert follow_up.referent == bernard
    assert CareTeamMember.objects.filter(follow_up=follow_up, user=bernard, role=TeamRole.REFERENT).exists()
    assert over_capacity([w]).keys() == {bernard.pk}
    assert [s.user.last_name for s in counselor_board([w])][0] == "Bernard"  # the most loaded first


def test_only_a_cip_or_social_worker_of_the_organisation_may_be_referent(world, agency):
    w, *_ = agency
    [follow_up] = unassigned(w, PRO)
    with pytest.raises(Exception, match="CIP ou assistant·e social·e de l'organisme référent"):
        assign(follow_up, by=world["agency_head"], referent=world["cip"])  # a CIP of X, not of W


def test_bulk_distribution_never_exceeds_capacity_while_there_is_room(world):
    w = organization(world.dept_a, "Agence W", target=4)
    full, empty = counselor("plein", "Paul", "Plein", w), counselor("vide", "Vera", "Vide", w)
    give_caseload(full, w, PRO, PRO, PRO)  # room 1
    people = unassigned(w, PRO, PRO, PRO, PRO, PRO, PRO)  # room left in W: 1 + 4 = 5 for 6 people

    plan = bulk_suggest(FollowUp.objects.filter(pk__in=[f.pk for f in people]))

    chosen = [item.user_id for item in plan.items]
    assert chosen[:5].count(empty.pk) == 4 and chosen[:5].count(full.pk) == 1
    assert chosen[5] is None  # nobody has room left for the newest one
    assert plan.planned_load == {full.pk: 4.0, empty.pk: 4.0}
    assert not plan.over_capacity_after()
    # Oldest first; the empty counselor takes the first three until both have the same room.
    assert chosen[:3] == [empty.pk] * 3


def test_bulk_assignment_writes_referents_teams_and_timeline_in_constant_sql(world, agency):
    w, bernard, garcia, arnaud = agency
    head = world["agency_head"]

    def run(count):
        people = unassigned(w, *([PRO] * count))
        plan = bulk_suggest(FollowUp.objects.filter(pk__in=[f.pk for f in people]))
        with CaptureQueriesContext(connection) as queries:
            result = bulk_assign(plan, head)
        assert result.assigned == count and not result.warnings
        return people, len(queries.captured_queries)

    small_people, small = run(3)
    large_people, large = run(12)
    assert small == large, f"{small} requêtes pour 3, {large} pour 12"
    for f in large_people:
        f.refresh_from_db()
        assert f.referent_id in {bernard.pk, garcia.pk, arnaud.pk}
        assert CareTeamMember.objects.filter(follow_up=f, user_id=f.referent_id, role=TeamRole.REFERENT).exists()
        assert TimelineEvent.objects.filter(
            beneficiary_id=f.beneficiary_id, summary__startswith="Référent·e désigné·e"
        ).exists()
    assert max(s.load for s in counselor_board([w])) <= 10


def test_bulk_suggest_costs_the_same_sql_for_3_and_30(world, agency):
    w, *_ = agency

    def cost(count):
        people = unassigned(w, *([SOCIO] * count))
        with CaptureQueriesContext(connection) as queries:
            bulk_suggest(FollowUp.objects.filter(pk__in=[f.pk for f in people]))
        return len(queries.captured_queries)

    cost(1)  # warm-up: the weights are dated rules, cached for a minute
    assert cost(3) == cost(30)


def test_bulk_assignment_beyond_capacity_is_refused_then_warned(world, agency):
    w, bernard, *_ = agency
    people = unassigned(w, SOCIAL, SOCIAL, SOCIAL, SOCIAL)  # Bernard: 3 + 8 = 11
    pairs = [(f.pk, bernard.pk) for f in people]
    with pytest.raises(OverCapacity, match="Benoit Bernard"):
        bulk_assign(pairs, world["agency_head"])
    assert not FollowUp.objects.filter(pk__in=[f.pk for f in people], referent__isnull=False).exists()

    result = bulk_assign(pairs, world["agency_head"], allow_over_capacity=True)
    assert result.assigned == 4 and "au-delà de la capacité" in result.warnings[0]
    again = bulk_assign(pairs, world["agency_head"])  # already assigned: skipped, nothing written
    assert (again.assigned, again.skipped) == (0, 4)


# --- Indicators ----------------------------------------------------------------------------------------------


def test_percentile_is_the_nearest_rank():
    assert percentile([10, 20, 30, 40], 90) == 40
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([7], 90) == 7
    assert percentile([], 90) is None


def seen(follow_up, on: datetime.date, status=AppointmentStatus.SEEN):
    Appointment.objects.create(
        department=follow_up.department,
        beneficiary=follow_up.beneficiary,
        follow_up=follow_up,
        counselor=Membership.objects.filter(organization=follow_up.organization, profession="cip").first().user,
        starts_at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(10))),
        status=status,
    )


@pytest.fixture
def indicator_set(world):
    """In territory T2 (Bobigny): 4 people oriented 60 days ago after 10, 20, 30 and 40 days; 3 of them seen 5, 15
    and 7 days after the decision (the fourth only has a planned appointment); 2 still waiting, one overdue. One
    person without commune, oriented after 8 days. A réorientation, which does not count."""
    bobigny = commune("93008", "Bobigny")
    t2 = territory(world.dept_a, "Agence de Bobigny", bobigny)
    by = world["orientation_officer"]
    decided = days_ago(60)
    follow_ups = []
    for i, delay in enumerate([10, 20, 30, 40]):
        someone = newcomer(world, f"Ind{i}", "Bobigny", received=60 + delay, town=bobigny)
        o = orient(someone, by=by, parcours=PRO, organization=world.org_x, reason="Motif", decided_on=decided)
        follow_ups.append(o.follow_up)
    for follow_up, after in zip(follow_ups, [5, 15, 7], strict=False):
        seen(follow_up, decided + datetime.timedelta(days=after))
        seen(follow_up, decided + datetime.timedelta(days=after + 20))  # a later one: not the first
    seen(follow_ups[3], decided + datetime.timedelta(days=2), status=AppointmentStatus.NO_SHOW)
    seen(follow_ups[3], timezone.localdate() + datetime.timedelta(days=3), status=AppointmentStatus.PLANNED)
    nowhere = newcomer(world, "Sans", "Commune", received=30)
    first = orient(nowhere, by=by, parcours=SOCIAL, organization=world.org_x, reason="Motif", decided_on=days_ago(22))
    reorient(first, by=by, parcours=PRO, organization=world.direction, reason="Autre", decided_on=days_ago(1))
    newcomer(world, "Attente", "Recente", received=3, town=bobigny)
    newcomer(world, "Attente", "Ancienne", received=45, town=bobigny)
    return t2


def test_indicators_per_territory_on_a_known_set(world, indicator_set):
    result = orientation_indicators(viewer_for(world["orientation_officer"]), since=days_ago(365), until=days_ago(0))
    rows = {row.name: row for row in result["rows"]}
    t2 = rows["Agence de Bobigny"]
    assert (t2.oriented, t2.to_orientation.median, t2.to_orientation.p90) == (4, 25, 40)
    assert (t2.to_appointment.count, t2.to_appointment.median, t2.to_appointment.p90) == (3, 7, 15)
    assert t2.without_appointment == 1
    assert (t2.waiting, t2.overdue) == (2, 1)
    outside = rows["Hors territoire ou commune inconnue"]
    assert (outside.oriented, outside.to_orientation.median, outside.waiting) == (1, 8, 0)
    assert rows["Agence T1"].oriented == 0 and rows["Agence T1"].to_orientation.median is None
    total = result["total"]
    assert (total.oriented, total.to_orientation.median, total.waiting, total.overdue) == (5, 20, 2, 1)

    narrow = orientation_indicators(viewer_for(world["orientation_officer"]), since=days_ago(30), until=days_ago(0))
    assert narrow["total"].oriented == 1  # only the decision of 22 days ago (its réorientation is not counted)


def test_an_agency_head_sees_their_territory_only(world, indicator_set):
    result = orientation_indicators(viewer_for(world["agency_head"]), since=days_ago(365), until=days_ago(0))
    assert [row.name for row in result["rows"]] == ["Agence T1"]
    assert result["total"].oriented == 0


def test_indicators_cost_the_same_sql_whatever_the_number_of_people(world, indicator_set):
    viewer = viewer_for(world["steering"])

    def cost():
        with CaptureQueriesContext(connection) as queries:
            orientation_indicators(viewer, since=days_ago(365), until=days_ago(0))
        return len(queries.captured_queries)

    small = cost()
    bobigny = commune("93008", "Bobigny")
    for i in range(10):
        someone = newcomer(world, f"Plus{i}", "Bobigny", received=50, town=bobigny)
        orient(
            someone,
            by=world["orientation_officer"],
            parcours=PRO,
            organization=world.org_x,
            reason="M",
            decided_on=days_ago(5),
        )
    assert cost() == small <= 8
    assert OrientationRequest.objects.filter(status="oriented").count() >= 15

"""The orientation queue (days left against the dated legal delay, overdue alerts, filters) and the decisions
(orientation, réorientation, history, validation)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.core.models import RuleValue
from parcours.intake.enums import BatchKind
from parcours.intake.models import ImportBatch
from parcours.journal.models import TimelineEvent
from parcours.orientation.decisions import current_orientation, history, orient, reorient
from parcours.orientation.demo import seed_queue
from parcours.orientation.enums import ExitReason, Parcours, RequestStatus
from parcours.orientation.models import FollowUp, Orientation, OrientationRequest
from parcours.orientation.perms import viewer_for
from parcours.orientation.queue import QueueFilters, delay_schedules, overdue_count, queue_page
from parcours.people.models import Beneficiary
from tests.orientation_support import commune, days_ago, newcomer, territory


def officer(world):
    return viewer_for(world["orientation_officer"])


def names(page):
    return [row.request.beneficiary.first_name for row in page.rows]


# --- The queue ---------------------------------------------------------------------------------------------


def test_the_queue_lists_the_oldest_first_with_the_days_left_before_six_weeks(world):
    newcomer(world, "Recente", "A", received=5)
    newcomer(world, "Ancienne", "B", received=50)
    newcomer(world, "Moyenne", "C", received=30)
    newcomer(world, "Paris", "D", received=60, department=world.dept_b)  # another département: not listed

    page = queue_page(officer(world))

    assert names(page) == ["Ancienne", "Moyenne", "Recente"]
    assert [row.days_left for row in page.rows] == [42 - 50, 42 - 30, 42 - 5]
    assert [row.overdue for row in page.rows] == [True, False, False]
    assert page.rows[0].overdue_by == 8
    assert page.rows[0].due_on == days_ago(50) + datetime.timedelta(days=42)
    assert (page.all_waiting, page.all_overdue) == (3, 1)
    assert overdue_count(officer(world)) == 1


def test_a_departement_override_of_the_delay_applies_from_its_date(world):
    """A (93) shortens the delay to 30 days for information received from 20 days ago; B keeps 42."""
    RuleValue.objects.create(
        key="orientation.delay_days", value=30, effective_from=days_ago(20), department=world.dept_a
    )
    newcomer(world, "Avant", "A", received=35)  # before the override: 42 days → 7 left
    newcomer(world, "Apres", "B", received=15)  # after: 30 days → 15 left
    newcomer(world, "Juste", "C", received=20)  # on the day it starts: 30 days → 10 left

    page = queue_page(officer(world))
    assert [(n, r.days_left) for n, r in zip(names(page), page.rows, strict=True)] == [
        ("Avant", 7),
        ("Juste", 10),
        ("Apres", 15),
    ]
    schedule_b = delay_schedules([world.dept_b.pk])[world.dept_b.pk]
    assert schedule_b.days_on(timezone.localdate()) == 42

    # From 40 days ago instead: « Avant » (35 days) is now 5 days late, in Python and in the SQL filter alike.
    RuleValue.objects.filter(department=world.dept_a).update(effective_from=days_ago(40))
    page = queue_page(officer(world))
    assert {n: r.days_left for n, r in zip(names(page), page.rows, strict=True)} == {
        "Avant": -5,
        "Juste": 10,
        "Apres": 15,
    }
    late = queue_page(officer(world), QueueFilters(overdue_only=True))
    assert names(late) == ["Avant"]
    assert (late.total, late.overdue, late.all_overdue) == (3, 1, 1)


def test_the_legal_delay_boundary(world):
    newcomer(world, "Echeance", "A", received=42)  # due today: not late yet
    newcomer(world, "Lendemain", "B", received=43)
    page = queue_page(officer(world), QueueFilters(overdue_only=True))
    assert names(page) == ["Lendemain"]
    assert page.rows[0].days_left == -1


def test_filters_by_territory_source_and_import(world):
    bobigny, pantin = commune("93008", "Bobigny"), commune("93055", "Pantin")
    t2 = territory(world.dept_a, "Agence de Bobigny", bobigny)
    batch = ImportBatch.objects.create(
        department=world.dept_a, kind=BatchKind.CAF_FLUX, filename="flux.xml", sha256="0"
    )
    newcomer(world, "Bobi", "A", received=50, town=bobigny, batch=batch)
    newcomer(world, "Pant", "B", received=10, town=pantin, batch=batch)
    newcomer(world, "Tableur", "C", received=20, town=bobigny, source="sheet")

    viewer = officer(world)
    assert names(queue_page(viewer, QueueFilters(territory=t2.pk))) == ["Bobi", "Tableur"]
    assert names(queue_page(viewer, QueueFilters(source="sheet"))) == ["Tableur"]
    assert names(queue_page(viewer, QueueFilters(batch=batch.pk))) == ["Bobi", "Pant"]
    combined = queue_page(viewer, QueueFilters(territory=t2.pk, overdue_only=True))
    assert names(combined) == ["Bobi"]
    assert (combined.total, combined.overdue, combined.all_waiting) == (2, 1, 3)


def test_merged_files_and_closed_requests_leave_the_queue(world):
    kept = newcomer(world, "Gardee", "A", received=3)
    absorbed = newcomer(world, "Absorbee", "B", received=4)
    Beneficiary.objects.filter(pk=absorbed.pk).update(merged_into=kept)
    cancelled = newcomer(world, "Annulee", "C", received=5)
    OrientationRequest.objects.filter(beneficiary=cancelled).update(status=RequestStatus.CANCELLED)
    assert names(queue_page(officer(world))) == ["Gardee"]


def test_the_agency_head_sees_the_people_of_their_territory_only(world):
    bobigny, pantin = commune("93008", "Bobigny"), commune("93055", "Pantin")
    world.t1.communes.add(bobigny)
    newcomer(world, "Chez", "Moi", received=10, town=bobigny)
    newcomer(world, "Ailleurs", "Loin", received=12, town=pantin)
    assert names(queue_page(viewer_for(world["agency_head"]))) == ["Chez"]
    assert overdue_count(viewer_for(world["agency_head"])) == 0  # the alert is the orientation officers'
    assert names(queue_page(viewer_for(world["cip"]))) == []


def test_pagination_keeps_the_order_and_the_counts(world, monkeypatch):
    monkeypatch.setattr("parcours.orientation.queue.PAGE_SIZE", 2)
    for i in range(5):
        newcomer(world, f"P{i}", "X", received=60 - i * 10)  # P0 is the oldest
    first, last = queue_page(officer(world), page=1), queue_page(officer(world), page=3)
    assert names(first) == ["P0", "P1"] and names(last) == ["P4"]
    assert first.page.paginator.num_pages == 3 and first.total == 5


# --- Decisions ----------------------------------------------------------------------------------------------


def decide(world, target, **overrides):
    values = {
        "by": world["orientation_officer"],
        "parcours": Parcours.PRO,
        "organization": world.org_x,
        "reason": "Projet professionnel clair, pas de frein bloquant.",
        "decided_on": timezone.localdate(),
    }
    values.update(overrides)
    return orient(target, **values)


def test_orienting_closes_the_request_and_opens_the_accompaniment(world):
    newcomer_ = newcomer(world, "Nina", "Nouvelle", received=12)
    request = OrientationRequest.objects.get(beneficiary=newcomer_)

    orientation = decide(world, request, decided_on=days_ago(2))

    request.refresh_from_db()
    assert request.status == RequestStatus.ORIENTED and request.closed_at is not None
    follow_up = FollowUp.objects.open().get(beneficiary=newcomer_)
    assert (follow_up.parcours, follow_up.organization, follow_up.referent) == (Parcours.PRO, world.org_x, None)
    assert follow_up.start_date == days_ago(2)
    assert (orientation.follow_up, orientation.request, orientation.replaces) == (follow_up, request, None)
    summaries = list(TimelineEvent.objects.filter(beneficiary=newcomer_).values_list("summary", flat=True))
    assert any(
        s.startswith("Orientation décidée : parcours professionnel, organisme référent Service insertion X")
        for s in summaries
    )
    assert any(s.startswith("Accompagnement ouvert") for s in summaries)
    assert names(queue_page(officer(world))) == []


def test_orienting_a_person_finds_her_waiting_request(world):
    someone = newcomer(world, "Par", "Personne", received=3)
    orientation = decide(world, someone)
    assert orientation.request.beneficiary == someone
    assert OrientationRequest.objects.get(beneficiary=someone).status == RequestStatus.ORIENTED


def test_reorienting_closes_the_accompaniment_and_keeps_the_history(world):
    someone = newcomer(world, "Rea", "Orientee", received=20)
    first = decide(world, someone, decided_on=days_ago(10))
    old_follow_up = first.follow_up

    second = reorient(
        first,
        by=world["orientation_officer"],
        parcours=Parcours.SOCIAL,
        organization=world.direction,
        reason="Le diagnostic montre un problème de logement à régler d'abord.",
        decided_on=days_ago(1),
    )

    old_follow_up.refresh_from_db()
    assert (old_follow_up.end_date, old_follow_up.exit_reason) == (days_ago(1), ExitReason.REORIENTED)
    new_follow_up = FollowUp.objects.open().get(beneficiary=someone)
    assert (new_follow_up.parcours, new_follow_up.organization) == (Parcours.SOCIAL, world.direction)
    assert second.replaces == first and second.follow_up == new_follow_up
    assert [(d.pk, d.in_force) for d in history(someone)] == [(second.pk, True), (first.pk, False)]
    assert current_orientation(someone) == second
    assert TimelineEvent.objects.filter(beneficiary=someone, summary__startswith="Réorientation décidée").count() == 1

    with pytest.raises(ValidationError, match="déjà été remplacée"):
        reorient(first, by=world["orientation_officer"], parcours=Parcours.PRO, organization=world.org_x, reason="x")


def messages_of(excinfo) -> str:
    return " | ".join(excinfo.value.messages)


def assert_refused(world, call, *expected):
    before = (Orientation.objects.count(), FollowUp.objects.count(), TimelineEvent.objects.count())
    with pytest.raises(ValidationError) as excinfo:
        call()
    for text in expected:
        assert text in messages_of(excinfo)
    assert (Orientation.objects.count(), FollowUp.objects.count(), TimelineEvent.objects.count()) == before
    return excinfo


def test_a_decision_is_refused_in_french_with_every_reason(world):
    someone = newcomer(world, "Val", "Idation", received=5)
    assert_refused(
        world,
        lambda: decide(world, someone, reason="  ", decided_on=timezone.localdate() + datetime.timedelta(days=1)),
        "Indiquez le motif de la décision.",
        "La date de la décision ne peut pas être dans le futur.",
    )
    assert_refused(
        world,
        lambda: decide(world, someone, organization=world.org_z),
        "L'organisme référent doit appartenir au département de la personne.",
    )
    assert_refused(
        world, lambda: decide(world, someone, organization=world.org_y), "ne peut pas être organisme référent"
    )
    assert_refused(world, lambda: decide(world, someone, parcours="autre"), "Choisissez le parcours")
    assert_refused(
        world,
        lambda: decide(world, someone, decided_on=days_ago(6)),
        "ne peut pas précéder la réception de l'information",
    )
    # Alice is already accompanied: a decision on her goes through a réorientation.
    assert_refused(world, lambda: decide(world, world.alice), "passez par une réorientation")
    assert OrientationRequest.objects.get(beneficiary=someone).status == RequestStatus.WAITING


def test_no_decision_on_a_merged_file_nor_twice(world):
    kept = newcomer(world, "Gardee", "A", received=3)
    absorbed = newcomer(world, "Absorbee", "B", received=4)
    Beneficiary.objects.filter(pk=absorbed.pk).update(merged_into=kept)
    absorbed.refresh_from_db()
    assert_refused(world, lambda: decide(world, absorbed), "fusionné")

    request = OrientationRequest.objects.get(beneficiary=kept)
    decide(world, request)
    assert_refused(world, lambda: decide(world, request), "n'est plus dans la file d'orientation")


def test_a_reorientation_must_change_something_and_not_go_back_in_time(world):
    someone = newcomer(world, "Re", "Check", received=20)
    first = decide(world, someone, decided_on=days_ago(5))
    officer_user = world["orientation_officer"]
    assert_refused(
        world,
        lambda: reorient(first, by=officer_user, parcours=Parcours.PRO, organization=world.org_x, reason="Rien"),
        "change le parcours ou l'organisme référent",
    )
    assert_refused(
        world,
        lambda: reorient(
            first,
            by=officer_user,
            parcours=Parcours.SOCIAL,
            organization=world.org_x,
            reason="x",
            decided_on=days_ago(9),
        ),
        "ne peut pas précéder",
    )


# --- Demo ----------------------------------------------------------------------------------------------------


def test_the_demo_queue_has_new_people_of_every_age_some_overdue(world):
    created = seed_queue(world.dept_a, seed=3, count=12)
    assert created >= 12  # some households are couples: both adults wait
    requests = OrientationRequest.objects.filter(department=world.dept_a, status=RequestStatus.WAITING)
    assert requests.count() == created
    people = Beneficiary.objects.filter(pk__in=requests.values("beneficiary_id"))
    assert not FollowUp.objects.filter(beneficiary__in=people).exists()
    assert all(p.household_id and p.rights_and_duties for p in people)
    page = queue_page(officer(world))
    assert page.all_waiting == created and 0 < page.all_overdue < created
    again = [(p.first_name, p.last_name) for p in people.order_by("pk")]
    assert len(set(again)) > 1

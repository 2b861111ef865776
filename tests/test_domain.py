"""Domain rules: NIR, dated configuration, cadence, weekly hours, freins history, timeline, optimistic locking."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.agenda.cadence import cadence_days, cadence_state
from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment, record_outcome, suggested_next
from parcours.core.concurrency import EditConflict, save_versioned
from parcours.core.models import RuleValue
from parcours.core.rules import MissingRule, rule_value, rule_values
from parcours.diagnostics.models import BarrierAssessment
from parcours.diagnostics.services import barrier_board, grade_barrier, make_diagnostic
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.enums import NoteVisibility, Parcours
from parcours.orientation.models import CareTeamMember
from parcours.orientation.services import (
    add_note,
    add_team_member,
    assign_referent,
    close_follow_up,
    open_follow_up,
    remove_team_member,
)
from parcours.people.models import Beneficiary
from parcours.people.services import update_beneficiary
from parcours.people.validators import clean_nir, mask_nir
from parcours.plans.enums import HoursExemption
from parcours.plans.models import Contract
from parcours.plans.services import (
    add_action,
    add_goal,
    check_weekly_hours,
    create_contract,
    set_action_status,
    update_contract,
)
from tests.world import ALICE_NIR, CANARY, make_nir, person

TODAY = datetime.date(2026, 3, 2)

# --- NIR -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [ALICE_NIR, "2 84 05 93 066 123 " + ALICE_NIR[-2:], make_nir("184052A066123")])
def test_a_valid_nir_is_accepted_and_returned_compact(value):
    assert clean_nir(value) == value.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (ALICE_NIR[:-1], "Le NIR doit compter 15 caractères (13 chiffres et la clé de 2 chiffres)."),
        (ALICE_NIR + "1", "Le NIR doit compter 15 caractères (13 chiffres et la clé de 2 chiffres)."),
        (ALICE_NIR[:-2] + "00", "La clé du NIR ne correspond pas : vérifiez les chiffres saisis."),
        ("2840593066123AB", "Ce NIR n'a pas un format valide (ex. : 2 84 05 93 066 123 45)."),
        ("abc", "Ce NIR n'a pas un format valide (ex. : 2 84 05 93 066 123 45)."),
    ],
)
def test_an_invalid_nir_is_refused_with_a_french_message(value, message):
    with pytest.raises(ValidationError) as exc:
        clean_nir(value)
    assert exc.value.messages == [message]


def test_any_single_digit_typo_in_a_nir_is_caught():
    for position in range(13):
        for digit in "0123456789":
            if digit == ALICE_NIR[position]:
                continue
            typo = ALICE_NIR[:position] + digit + ALICE_NIR[position + 1 :]
            with pytest.raises(ValidationError):
                clean_nir(typo)


def test_the_masked_nir_keeps_only_sex_year_and_key():
    assert mask_nir(ALICE_NIR) == f"2 84 •• •• ••• ••• {ALICE_NIR[-2:]}"
    assert mask_nir("") == ""


def test_sensitive_fields_are_encrypted_at_rest(world):
    """T-D1 in miniature: the stored columns never hold the NIR nor the canaries in clear."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nir, health_notes, justice_notes, nir_index FROM people_beneficiary WHERE id = %s",
            [world.alice.pk],
        )
        stored = " ".join(cursor.fetchone())
        cursor.execute("SELECT body FROM orientation_note")
        stored += " ".join(row[0] for row in cursor.fetchall())
    for clear in (ALICE_NIR, CANARY["health"], CANARY["justice"], CANARY["psy_note"], CANARY["team_note"]):
        assert clear not in stored
    world.alice.refresh_from_db()
    assert (world.alice.nir, world.alice.health_notes) == (ALICE_NIR, CANARY["health"])


def test_the_same_nir_cannot_belong_to_two_people_of_a_departement(world):
    twin = person(world.dept_a, "Alicia", "Double")
    with pytest.raises(ValidationError, match="déjà celui d'une autre personne"):
        update_beneficiary(twin, by=world["cip"], expected_version=1, changes={"nir": ALICE_NIR}, section=Section.NIR)
    elsewhere = person(world.dept_b, "Alice", "Ailleurs")
    update_beneficiary(
        elsewhere, by=world["cip_b"], expected_version=1, changes={"nir": ALICE_NIR}, section=Section.NIR
    )
    assert Beneficiary.objects.filter(nir_index=world.alice.nir_index).count() == 2


# --- Dated rules -------------------------------------------------------------------------------------------


def rule(key, value, since, department=None):
    return RuleValue.objects.create(key=key, value=value, effective_from=since, department=department)


def test_national_defaults_come_from_the_data_migration(db):
    assert rule_value("contract.weekly_hours", on=TODAY) == 15
    assert rule_value("cadence.days.pro", on=TODAY) == 15


def test_a_departement_override_wins_over_the_national_value(world):
    rule("contract.weekly_hours", 18, datetime.date(2025, 6, 1), world.dept_a)
    rule("contract.weekly_hours", 16, datetime.date(2026, 1, 1))  # a newer national value
    assert rule_value("contract.weekly_hours", on=TODAY, department_id=world.dept_a.pk) == 18
    assert rule_value("contract.weekly_hours", on=TODAY, department_id=world.dept_b.pk) == 16
    assert rule_value("contract.weekly_hours", on=TODAY) == 16


def test_a_value_applies_from_its_date_only(world):
    rule("contract.weekly_hours", 20, datetime.date(2026, 4, 1), world.dept_a)
    rule("contract.weekly_hours", 17, datetime.date(2026, 1, 1), world.dept_a)
    on = {
        d: rule_value("contract.weekly_hours", on=d, department_id=world.dept_a.pk)
        for d in (
            datetime.date(2025, 12, 31),
            datetime.date(2026, 1, 1),
            datetime.date(2026, 3, 31),
            datetime.date(2026, 4, 1),
        )
    }
    assert list(on.values()) == [15, 17, 17, 20]


def test_a_date_before_any_value_raises_a_readable_error(db):
    with pytest.raises(MissingRule, match="cadence.days.pro"):
        rule_value("cadence.days.pro", on=datetime.date(2020, 1, 1))


def test_rule_values_reads_every_key_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        values = rule_values(["cadence.days.pro", "contract.weekly_hours"], on=TODAY, department_id=world.dept_a.pk)
    assert values == {"cadence.days.pro": 15, "contract.weekly_hours": 15}


def test_rules_are_cached_and_a_new_value_is_seen_at_once(world, django_assert_num_queries):
    rule_value("cadence.days.pro", on=TODAY, department_id=world.dept_a.pk)
    with django_assert_num_queries(0):  # asked again: answered from the process cache
        assert rule_value("cadence.days.pro", on=TODAY, department_id=world.dept_a.pk) == 15
    rule("cadence.days.pro", 10, datetime.date(2026, 1, 1), world.dept_a)  # saving a rule empties the cache
    assert rule_value("cadence.days.pro", on=TODAY, department_id=world.dept_a.pk) == 10


# --- Cadence -------------------------------------------------------------------------------------------------


def test_cadence_days_per_parcours_with_a_departement_override(world):
    assert cadence_days(on=TODAY) == dict.fromkeys(Parcours.values, 15)
    rule("cadence.days.social", 30, datetime.date(2026, 1, 1), world.dept_b)
    assert cadence_days(on=TODAY, department_id=world.dept_b.pk)[Parcours.SOCIAL] == 30
    assert cadence_days(on=TODAY, department_id=world.dept_a.pk)[Parcours.SOCIAL] == 15


@pytest.mark.parametrize(
    ("last_contact", "days", "today", "due_on", "late", "days_late"),
    [
        (datetime.date(2026, 3, 1), 15, datetime.date(2026, 3, 16), datetime.date(2026, 3, 16), False, 0),  # due today
        (datetime.date(2026, 3, 1), 15, datetime.date(2026, 3, 17), datetime.date(2026, 3, 16), True, 1),
        (datetime.date(2026, 3, 1), 15, datetime.date(2026, 3, 2), datetime.date(2026, 3, 16), False, 0),
        (None, 14, datetime.date(2026, 3, 30), datetime.date(2026, 2, 15), True, 43),  # never seen: from the start
    ],
)
def test_cadence_state(last_contact, days, today, due_on, late, days_late):
    state = cadence_state(last_contact=last_contact, since=datetime.date(2026, 2, 1), days=days, today=today)
    assert (state.due_on, state.late, state.days_late) == (due_on, late, days_late)


def test_the_suggested_next_appointment_is_a_future_working_day(world):
    now = timezone.now()
    for days_ago in range(0, 40, 3):
        suggested = suggested_next(follow_up=world.follow_up, after=now - datetime.timedelta(days=days_ago))
        assert suggested >= now
        assert timezone.localtime(suggested).weekday() < 5


# --- Weekly hours (CT L5411-6 II) --------------------------------------------------------------------------


def hours(value, exemption, world, on=TODAY):
    check_weekly_hours(hours=Decimal(value), exemption=exemption, on=on, department_id=world.dept_a.pk)


@pytest.mark.parametrize(
    ("value", "exemption"),
    [
        ("15", "none"),
        ("35", "none"),
        ("0.5", "reduced"),
        ("14.5", "reduced"),
        ("0", "health"),
        ("0", "disability"),
        ("0", "invalidity"),
        ("0", "single_parent"),
    ],
)
def test_weekly_hours_accepted(value, exemption, world):
    hours(value, exemption, world)


@pytest.mark.parametrize(
    ("value", "exemption", "message"),
    [
        ("14.5", "none", "La durée d'activité doit être d'au moins 15 heures par semaine"),
        ("0", "none", "au moins 15 heures"),
        ("0", "reduced", "Une durée réduite doit être comprise entre 0 (exclu) et 15 heures par semaine."),
        ("15", "reduced", "entre 0 (exclu) et 15 heures"),
        ("5", "health", "Avec une dispense de durée hebdomadaire, le nombre d'heures doit être 0."),
        ("15", "single_parent", "le nombre d'heures doit être 0"),
    ],
)
def test_weekly_hours_refused(value, exemption, message, world):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        hours(value, exemption, world)


def test_the_legal_minimum_is_dated_configuration(world):
    rule("contract.weekly_hours", 20, datetime.date(2026, 1, 1), world.dept_a)
    with pytest.raises(ValidationError, match="au moins 20 heures"):
        hours("15", "none", world)
    hours("15", "none", world, on=datetime.date(2025, 12, 31))


def test_a_contract_under_the_minimum_is_not_created(world):
    fu = world.bob.follow_ups.get()
    with pytest.raises(ValidationError):
        create_contract(
            fu,
            by=world["cip_out"],
            kind="engagement",
            start_date=TODAY,
            end_date=TODAY + datetime.timedelta(days=180),
            weekly_hours=Decimal(3),
            hours_exemption=HoursExemption.NONE,
        )
    assert not Contract.objects.filter(follow_up=fu).exists()


# --- Freins ------------------------------------------------------------------------------------------------


def test_grading_a_frein_twice_keeps_its_history_with_one_current_grade(world):
    fu = world.follow_up
    grade_barrier(fu, barrier="housing", level="to_work_on", by=world["cip"], comment="Hébergée chez sa sœur")
    grade_barrier(fu, barrier="housing", level="lifted", by=world["social_worker"])
    rows = BarrierAssessment.objects.filter(follow_up=fu, barrier="housing").order_by("created_at", "pk")
    assert [(r.level, r.is_current) for r in rows] == [("to_work_on", False), ("lifted", True)]
    housing = next(row for row in barrier_board(fu) if row["barrier"] == "housing")
    assert [h.level for h in housing["history"]] == ["to_work_on", "lifted"]
    assert housing["current"].level == "lifted"
    assert TimelineEvent.objects.filter(beneficiary=world.alice, kind="barrier").first().summary == (
        "Frein « Logement » : à travailler → levé"
    )


def test_the_database_refuses_two_current_grades_for_one_frein(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        BarrierAssessment.objects.create(
            department=world.dept_a, follow_up=world.follow_up, barrier="mobility", level="lifted"
        )


def test_a_diagnostic_grades_only_the_freins_that_changed(world):
    before = BarrierAssessment.objects.filter(follow_up=world.follow_up).count()
    make_diagnostic(world.follow_up, by=world["cip"], levels={"mobility": "to_work_on", "digital": "none"})
    new = BarrierAssessment.objects.filter(follow_up=world.follow_up).count() - before
    assert new == 1  # mobility was already "to work on"


def test_an_unknown_frein_or_level_is_refused(world):
    with pytest.raises(ValueError):
        grade_barrier(world.follow_up, barrier="weather", level="lifted", by=world["cip"])


# --- Timeline: every service writes one entry --------------------------------------------------------------


SERVICES = {
    "open_follow_up": (
        lambda w: open_follow_up(
            person(w.dept_a, "Eve", "Nouvelle"), by=w["cip"], parcours="pro", organization=w.org_x
        ),
        "follow_up",
        Section.IDENTITY,
    ),
    "assign_referent": (
        lambda w: assign_referent(w.follow_up, by=w["agency_head"], referent=w["social_worker"]),
        "team",
        Section.IDENTITY,
    ),
    "add_team_member": (
        lambda w: add_team_member(
            w.follow_up, by=w["cip"], user=w["psychologist_out"], profession=Profession.PSYCHOLOGIST
        ),
        "team",
        Section.IDENTITY,
    ),
    "remove_team_member": (
        lambda w: remove_team_member(CareTeamMember.objects.get(follow_up=w.follow_up, user=w["ended"]), by=w["cip"]),
        "team",
        Section.IDENTITY,
    ),
    "close_follow_up": (
        lambda w: close_follow_up(w.follow_up, by=w["cip"], exit_reason="sustainable_job"),
        "follow_up",
        Section.IDENTITY,
    ),
    "add_note": (
        lambda w: add_note(w.alice, by=w["cip"], profession="cip", body="Appel", visibility=NoteVisibility.TEAM),
        "note",
        Section.IDENTITY,
    ),
    "plan_appointment": (
        lambda w: plan_appointment(
            w.alice,
            follow_up=w.follow_up,
            counselor=w["cip"],
            by=w["cip"],
            starts_at=timezone.now() + datetime.timedelta(days=2),
            kind="follow_up",
            mode="phone",
        ),
        "appointment",
        Section.IDENTITY,
    ),
    "record_outcome": (
        lambda w: record_outcome(w.appointment_past, by=w["cip"], status="seen", report="", expected_version=1),
        "appointment",
        Section.IDENTITY,
    ),
    "grade_barrier": (
        lambda w: grade_barrier(w.follow_up, barrier="health", level="lifted", by=w["psychologist"]),
        "barrier",
        Section.HEALTH,
    ),
    "make_diagnostic": (
        lambda w: make_diagnostic(w.follow_up, by=w["cip"], situation="Point"),
        "diagnostic",
        Section.SOCIO_PRO,
    ),
    "update_contract": (
        lambda w: update_contract(w.contract, by=w["cip"], expected_version=1, weekly_hours=Decimal(20)),
        "contract",
        Section.SOCIO_PRO,
    ),
    "add_goal": (lambda w: add_goal(w.contract, by=w["cip"], title="Permis B"), "goal", Section.SOCIO_PRO),
    "add_action": (
        lambda w: add_action(w.goal, by=w["cip"], title="Code", owner="beneficiary"),
        "action",
        Section.SOCIO_PRO,
    ),
    "set_action_status": (
        lambda w: set_action_status(w.action, by=w["cip"], status="done"),
        "action",
        Section.SOCIO_PRO,
    ),
    "update_beneficiary": (
        lambda w: update_beneficiary(
            w.alice,
            by=w["cip"],
            expected_version=w.alice.version,
            changes={"phone": "0699999999"},
            section=Section.IDENTITY,
        ),
        "identity",
        Section.IDENTITY,
    ),
    "update_beneficiary_health": (
        lambda w: update_beneficiary(
            w.alice,
            by=w["psychologist"],
            expected_version=w.alice.version,
            changes={"rqth": False},
            section=Section.HEALTH,
        ),
        "health",
        Section.HEALTH,
    ),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_writes_one_timeline_entry(service, world):
    call, kind, section = SERVICES[service]
    before = set(TimelineEvent.objects.values_list("pk", flat=True))
    call(world)
    new = TimelineEvent.objects.exclude(pk__in=before)
    assert new.count() == 1, f"{service}: {[e.summary for e in new]}"
    event = new.get()
    assert (event.kind, event.section) == (kind, section)
    assert event.actor is not None and event.summary
    assert event.department_id == event.beneficiary.department_id


def test_create_contract_writes_one_timeline_entry(world):
    fu = world.bob.follow_ups.get()
    before = TimelineEvent.objects.filter(beneficiary=world.bob).count()
    create_contract(
        fu,
        by=world["cip_out"],
        kind="cer",
        start_date=TODAY,
        end_date=TODAY + datetime.timedelta(days=90),
        weekly_hours=Decimal(15),
        hours_exemption="none",
    )
    assert TimelineEvent.objects.filter(beneficiary=world.bob).count() == before + 1


def test_an_appointment_still_to_come_cannot_be_marked_seen(world):
    with pytest.raises(ValidationError, match="ne peut pas encore être marqué comme honoré"):
        record_outcome(world.appointment_future, by=world["cip"], status="seen", report="", expected_version=1)
    assert Appointment.objects.get(pk=world.appointment_future.pk).status == "planned"


# --- Optimistic locking --------------------------------------------------------------------------------------


def test_save_versioned_writes_and_bumps_the_version(world):
    appointment = Appointment.objects.get(pk=world.appointment_past.pk)
    appointment.report = "Première version"
    save_versioned(appointment, expected_version=1, fields=["report"])
    assert appointment.version == 2
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.version, stored.report) == (2, "Première version")


def test_save_versioned_refuses_a_stale_version_and_keeps_the_first_write(world):
    first = Appointment.objects.get(pk=world.appointment_past.pk)
    second = Appointment.objects.get(pk=world.appointment_past.pk)  # opened at the same time
    first.report = "Écrit en premier"
    save_versioned(first, expected_version=1, fields=["report"])
    second.report = "Écrit en second"
    with pytest.raises(EditConflict, match="modifiée par une autre personne"):
        save_versioned(second, expected_version=1, fields=["report"])
    stored = Appointment.objects.get(pk=first.pk)
    assert (stored.version, stored.report) == (2, "Écrit en premier")


def test_a_stale_beneficiary_edit_changes_nothing_and_writes_no_timeline(world):
    stale = world.alice.version - 1
    before = TimelineEvent.objects.count()
    with pytest.raises(EditConflict):
        update_beneficiary(
            world.alice,
            by=world["cip"],
            expected_version=stale,
            changes={"last_name": "Autre"},
            section=Section.IDENTITY,
        )
    stored = Beneficiary.objects.get(pk=world.alice.pk)
    assert stored.last_name == "Durand" and TimelineEvent.objects.count() == before

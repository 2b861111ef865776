"""Merging two files of the same person (parcours.intake.merge): nothing lost, everything moved, undone exactly."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.alerts.enums import AlertKind
from parcours.alerts.models import Alert
from parcours.intake import merge as merging
from parcours.intake.enums import Source, SuspectStatus
from parcours.intake.merge import mark_distinct, merge, relations, undo
from parcours.intake.models import DuplicateSuspect, MergeRecord
from parcours.intake.review import history
from parcours.journal.models import Section, TimelineEvent
from parcours.journal.services import record
from parcours.notifications.enums import Channel, MessageKind
from parcours.notifications.models import ContactPreference, Message
from parcours.orientation.enums import Parcours, RequestStatus
from parcours.orientation.models import FollowUp, OrientationRequest
from parcours.orientation.services import open_follow_up
from parcours.people.models import Beneficiary, MatchKey
from parcours.people.services import update_beneficiary
from parcours.scheduling.models import PersonConstraints
from tests.world import ALICE_NIR, make_nir, person

IMPORTED_AT = "2026-01-05T08:00:00+00:00"


def imported_twin(world, **extra):
    """Alice as a CAF import knows her: same person, another file, with identifiers Alice's file lacks."""
    values = {
        "birth_date": world.alice.birth_date,
        "birth_name": "Martin",
        "email": "alice.durand@example.org",
        "phone": "0699999999",
        "caf_number": "2089564",
        "france_travail_id": "FT7788990",
        "internal_id": "INT-42",
        "address_line": "3 rue des Lilas",
        "provenance": {
            name: {"source": Source.CAF_FLUX.value, "batch": None, "at": IMPORTED_AT}
            for name in ("email", "phone", "caf_number", "birth_name")
        },
        **extra,
    }
    twin = person(world.dept_a, "Alice", "DURAND", **values)
    record(twin, actor=None, kind="import", summary="Fiche créée par l'import du flux CAF du 05/01/2026")
    return twin


def suspect_for(world, existing, incoming, score=0.93):
    return DuplicateSuspect.objects.create(
        department=world.dept_a,
        existing=existing,
        incoming=incoming,
        score=score,
        reasons=["même date de naissance", "même nom et prénom"],
    )


def enrich(world, who):
    """Rows of every kind on a person's file, beyond what tests/world.py gives Alice."""
    fu = FollowUp.objects.open().get(beneficiary=who)
    Alert.objects.create(
        department=world.dept_a, follow_up=fu, beneficiary=who, kind=AlertKind.NO_CONTACT, assigned_to=world["cip"]
    )
    Message.objects.create(
        department=world.dept_a, beneficiary=who, channel=Channel.POSTAL, kind=MessageKind.LETTER, body="Courrier"
    )
    ContactPreference.objects.create(beneficiary=who, channel=Channel.EMAIL)
    PersonConstraints.objects.create(beneficiary=who)
    OrientationRequest.objects.create(
        department=world.dept_a, beneficiary=who, received_on=datetime.date(2025, 11, 3), source="manual"
    )


def seed_keys(people):
    """Blocking keys as the matcher writes them (its own function when it exists)."""
    if not merging._refresh_match_keys(people):
        for p in people:
            MatchKey.objects.create(department_id=p.department_id, beneficiary=p, block=f"BLK{p.pk}")


def dump(who):
    """Everything of one file: its fields, the rows pointing to it, its keys, requests and history."""
    who = Beneficiary.objects.get(pk=who.pk)
    fields = {f.name: getattr(who, f.attname) for f in Beneficiary._meta.concrete_fields if f.name != "version"}
    rows = {
        f"{model._meta.label}.{field.name}": sorted(
            model._base_manager.filter(**{field.attname: who.pk}).values_list("pk", flat=True)
        )
        for model, field in relations()
    }
    rows["keys"] = sorted(MatchKey.objects.filter(beneficiary=who).values_list("block", flat=True))
    rows["requests"] = sorted(
        OrientationRequest.objects.filter(beneficiary=who).values_list("pk", "status", "closed_at", "cancel_reason")
    )
    rows["timeline"] = sorted(
        TimelineEvent.objects.filter(beneficiary=who)
        .exclude(kind__in=("merge", "merge_undone"))
        .values_list("pk", "summary")
    )
    return fields, rows


def fresh(*people):
    return [Beneficiary.objects.get(pk=p.pk) for p in people]


# --- Merge --------------------------------------------------------------------------------------------------


def test_the_survivor_keeps_its_values_and_gets_every_missing_identifier(world):
    alice, twin = world.alice, imported_twin(world)
    suspect = suspect_for(world, alice, twin)
    officer = world["orientation_officer"]

    merge_record = merge(suspect, by=officer, survivor=alice)

    alice, twin = fresh(alice, twin)
    assert alice.nir == ALICE_NIR  # hers
    assert alice.phone == "0601020304"  # hers: the survivor keeps its values
    assert (alice.caf_number, alice.france_travail_id, alice.internal_id) == ("2089564", "FT7788990", "INT-42")
    assert (alice.email, alice.birth_name, alice.address_line) == (
        "alice.durand@example.org",
        "Martin",
        "3 rue des Lilas",
    )
    assert alice.birth_key == "MARTIN"
    # Provenance per field: "merge", and where the value came from before.
    assert alice.provenance["email"]["source"] == Source.MERGE
    assert alice.provenance["email"]["from"]["source"] == Source.CAF_FLUX
    assert "phone" not in alice.provenance
    # The absorbed file: identifiers cleared, names kept, pointing to the survivor.
    assert (twin.caf_number, twin.france_travail_id, twin.internal_id, twin.nir) == ("", "", "", "")
    assert twin.first_name == "Alice" and twin.merged_into_id == alice.pk
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == SuspectStatus.MERGED
    assert merge_record.survivor_id == alice.pk and merge_record.absorbed_id == twin.pk
    # Timeline entries on both files; the survivor's history shows the absorbed file's.
    summaries = list(history(alice).values_list("summary", flat=True))
    assert "Fiche créée par l'import du flux CAF du 05/01/2026" in summaries
    assert any(s.startswith("Fusion : la fiche de Alice DURAND") for s in summaries)
    assert TimelineEvent.objects.filter(beneficiary=twin, kind="merge", summary__contains="fusionnée dans").exists()


def test_every_row_of_the_absorbed_file_moves_to_the_survivor(world):
    """Alice (appointments, notes, diagnostic, contract, alerts…) is absorbed by the file an import created."""
    alice, twin = world.alice, imported_twin(world)
    enrich(world, alice)
    ContactPreference.objects.create(beneficiary=twin, channel=Channel.SMS)  # the survivor's own: kept
    before = dump(alice)[1]
    assert before["agenda.Appointment.beneficiary"] and before["orientation.Note.beneficiary"]
    assert before["alerts.Alert.beneficiary"] and before["notifications.Message.beneficiary"]

    merge_record = merge(suspect_for(world, alice, twin), by=world["orientation_officer"], survivor=twin)

    alice, twin = fresh(alice, twin)
    assert twin.nir == ALICE_NIR and alice.nir == "" and alice.nir_index == ""  # the NIR moved (unique)
    left = dump(alice)[1]
    for key, pks in before.items():
        if key in ("keys", "requests", "timeline", "notifications.ContactPreference.beneficiary"):
            continue
        assert left[key] == [], f"{key} resté sur la fiche fusionnée"
        assert set(pks) <= set(dump(twin)[1][key]), key
    # One contact preference per person: the survivor's stays, the absorbed one's is kept apart, and said so.
    assert ContactPreference.objects.get(beneficiary=twin).channel == Channel.SMS
    assert merge_record.snapshot["kept"] == {
        "notifications.ContactPreference": before["notifications.ContactPreference.beneficiary"]
    }
    # Sensitive values carried over are named only in an entry of their own section.
    entries = TimelineEvent.objects.filter(beneficiary=twin, kind="merge")
    assert set(entries.values_list("section", flat=True)) == {
        Section.IDENTITY,
        Section.NIR,
        Section.HEALTH,
        Section.JUSTICE,
    }
    assert "santé" not in entries.get(section=Section.IDENTITY).summary
    assert "NIR" in entries.get(section=Section.NIR).summary
    # Diagnostic and contract follow the follow-up.
    fu = FollowUp.objects.open().get(beneficiary=twin)
    assert fu.pk == world.follow_up.pk and fu.diagnostics.exists() and fu.contracts.exists()
    assert merge_record.moved["orientation.FollowUp"] == [world.follow_up.pk]
    # The journal is append-only: Alice's history stays on her file, and the survivor reads it.
    assert TimelineEvent.objects.filter(beneficiary=alice).count() > 1
    assert set(TimelineEvent.objects.filter(beneficiary=alice).values_list("pk", flat=True)) <= set(
        history(twin).values_list("pk", flat=True)
    )


def test_both_files_waiting_for_an_orientation_keep_the_oldest_request(world):
    twin = imported_twin(world)
    old = OrientationRequest.objects.create(
        department=world.dept_a, beneficiary=world.bob, received_on=datetime.date(2025, 9, 1), source="manual"
    )
    new = OrientationRequest.objects.create(
        department=world.dept_a, beneficiary=twin, received_on=datetime.date(2026, 1, 5), source="caf_flux"
    )
    merge_record = merge((world.bob, twin), by=world["orientation_officer"], survivor=twin)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.beneficiary_id) == (RequestStatus.WAITING, twin.pk)
    assert new.status == RequestStatus.CANCELLED and new.cancel_reason
    undo(merge_record, by=world["orientation_officer"])
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.beneficiary_id) == (RequestStatus.WAITING, world.bob.pk)
    assert (new.status, new.cancel_reason, new.closed_at) == (RequestStatus.WAITING, "", None)


# --- Undo ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", ["existing", "incoming"])
def test_undo_gives_both_files_back_exactly(world, keep):
    alice, twin = world.alice, imported_twin(world)
    enrich(world, alice)
    seed_keys([alice, twin])
    suspect = suspect_for(world, alice, twin)
    before = dump(alice), dump(twin)
    officer = world["orientation_officer"]

    merge_record = merge(suspect, by=officer, survivor=alice if keep == "existing" else twin)
    assert (dump(alice), dump(twin)) != before  # the merge did change both

    undo(merge_record, by=officer)

    assert (dump(alice), dump(twin)) == before
    merge_record.refresh_from_db()
    assert merge_record.undone_by == officer and merge_record.undone_at is not None
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == SuspectStatus.OPEN  # back in the queue
    assert TimelineEvent.objects.filter(beneficiary__in=(alice, twin), kind="merge_undone").count() == 2
    assert not history(alice).filter(beneficiary=twin).exists()  # the histories are apart again


def test_undo_is_refused_when_a_merged_value_was_changed_since(world):
    alice, twin = world.alice, imported_twin(world)
    officer = world["orientation_officer"]
    merge_record = merge(suspect_for(world, alice, twin), by=officer, survivor=alice)
    alice = fresh(alice)[0]
    update_beneficiary(
        alice,
        by=world["cip"],
        expected_version=alice.version,
        changes={"email": "a.d@example.org"},
        section=Section.IDENTITY,
    )
    with pytest.raises(ValidationError, match="modifiée depuis la fusion \\(e-mail\\)"):
        undo(merge_record, by=officer)
    assert fresh(twin)[0].merged_into_id == alice.pk  # nothing undone


def test_an_edit_of_another_field_is_kept_by_the_undo(world):
    alice, twin = world.alice, imported_twin(world)
    officer = world["orientation_officer"]
    merge_record = merge(suspect_for(world, alice, twin), by=officer, survivor=alice)
    alice = fresh(alice)[0]
    update_beneficiary(
        alice,
        by=world["cip"],
        expected_version=alice.version,
        changes={"phone": "0611111111"},
        section=Section.IDENTITY,
    )
    undo(merge_record, by=officer)
    alice, twin = fresh(alice, twin)
    assert alice.phone == "0611111111" and alice.caf_number == "" and twin.caf_number == "2089564"


def test_undo_refused_while_a_later_merge_concerns_the_files_and_twice(world):
    alice, twin = world.alice, imported_twin(world)
    third = imported_twin(world, caf_number="", france_travail_id="", internal_id="", email="", birth_name="")
    officer = world["orientation_officer"]
    first = merge(suspect_for(world, alice, twin), by=officer, survivor=alice)
    second = merge((alice, third), by=officer, survivor=alice)
    with pytest.raises(ValidationError, match="Une fusion plus récente"):
        undo(first, by=officer)
    undo(second, by=officer)
    undo(first, by=officer)
    with pytest.raises(ValidationError, match="déjà été annulée"):
        undo(first, by=officer)


# --- Refusals -----------------------------------------------------------------------------------------------


def _refused(pair, world, message):
    counts = (MergeRecord.objects.count(), TimelineEvent.objects.count())
    with pytest.raises(ValidationError, match=message):
        merge(pair, by=world["orientation_officer"], survivor=pair[0] if isinstance(pair, tuple) else pair.existing)
    assert (MergeRecord.objects.count(), TimelineEvent.objects.count()) == counts
    return True


def test_two_departements_are_never_merged(world):
    twin = person(world.dept_a, "Carla", "Nguyen")
    assert _refused((world.carla, twin), world, "Personne connue dans un autre département")
    assert Beneficiary.objects.get(pk=twin.pk).merged_into_id is None


def test_two_open_follow_ups_are_refused(world):
    assert _refused((world.alice, world.bob), world, "Clôturez d'abord l'un des deux accompagnements")


def test_different_nirs_are_refused(world):
    twin = imported_twin(world, nir=make_nir("2840593066999"))
    twin.set_nir(twin.nir)
    twin.save()
    assert _refused((world.alice, twin), world, "NIR différents")


def test_a_file_already_merged_is_refused(world):
    twin = imported_twin(world)
    other = person(world.dept_a, "Alice", "Durand")
    merge((world.alice, twin), by=world["orientation_officer"], survivor=world.alice)
    assert _refused((other, fresh(twin)[0]), world, "a déjà été fusionnée")


def test_a_decided_pair_is_not_merged_again(world):
    twin = imported_twin(world)
    suspect = suspect_for(world, world.alice, twin)
    mark_distinct(suspect, by=world["orientation_officer"])
    assert _refused(DuplicateSuspect.objects.get(pk=suspect.pk), world, "déjà été traité")


def test_mark_distinct_closes_the_pair_and_changes_no_file(world):
    twin = imported_twin(world)
    suspect = suspect_for(world, world.alice, twin)
    before = dump(world.alice), dump(twin)
    mark_distinct(suspect, by=world["orientation_officer"])
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.DISTINCT and suspect.decided_by == world["orientation_officer"]
    assert suspect.decided_at <= timezone.now()
    assert (dump(world.alice), dump(twin)) == before
    with pytest.raises(ValidationError, match="déjà été traité"):
        mark_distinct(suspect, by=world["orientation_officer"])


def test_relations_cover_every_model_pointing_to_a_person(world):
    """Models added later by other apps are moved too: the list comes from the model graph, not from here."""
    found = {model._meta.label_lower for model, _f in relations()}
    assert {"agenda.appointment", "orientation.followup", "orientation.note", "alerts.alert"} <= found
    assert {"notifications.message", "orientation.orientationrequest", "scheduling.planningitem"} <= found
    assert not found & merging.NOT_MOVED
    expected = {
        rel.related_model._meta.label_lower
        for rel in Beneficiary._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and rel.is_relation and not rel.many_to_many
    } - merging.NOT_MOVED
    assert found == expected


def test_a_follow_up_opened_on_the_absorbed_file_after_a_closed_one_moves(world):
    """A closed follow-up on one side and an open one on the other: the merge is allowed."""
    twin = imported_twin(world)
    closed = open_follow_up(twin, by=world["cip"], parcours=Parcours.PRO, organization=world.org_x)
    closed.end_date, closed.exit_reason = timezone.localdate(), "moved"
    closed.save()
    merge((world.alice, twin), by=world["orientation_officer"], survivor=world.alice)
    assert set(FollowUp.objects.filter(beneficiary=world.alice).values_list("pk", flat=True)) == {
        world.follow_up.pk,
        closed.pk,
    }


def test_a_row_the_survivor_already_has_stays_on_the_absorbed_file_and_comes_back(world):
    """Both files registered to the same workshop session (one registration per person): the survivor's stays, the
    absorbed one's is kept apart; a registration to another session moves. Undo gives each back."""
    from parcours.workshops.models import Registration, Session, WorkshopSeries

    twin = imported_twin(world)
    series = WorkshopSeries.objects.create(department=world.dept_a, organization=world.org_x, title="CV")
    now = timezone.now()
    same, other = (
        Session.objects.create(
            series=series,
            starts_at=now + datetime.timedelta(days=d),
            ends_at=now + datetime.timedelta(days=d, hours=2),
            capacity=8,
        )
        for d in (3, 4)
    )
    mine = Registration.objects.create(session=same, beneficiary=world.alice)
    theirs = Registration.objects.create(session=same, beneficiary=twin)
    moving = Registration.objects.create(session=other, beneficiary=twin)
    seed_keys([world.alice, twin])
    before = dump(world.alice), dump(twin)

    merge_record = merge((world.alice, twin), by=world["orientation_officer"], survivor=world.alice)

    assert Registration.objects.get(pk=mine.pk).beneficiary_id == world.alice.pk
    assert Registration.objects.get(pk=theirs.pk).beneficiary_id == twin.pk
    assert Registration.objects.get(pk=moving.pk).beneficiary_id == world.alice.pk
    assert merge_record.snapshot["kept"] == {"workshops.Registration": [theirs.pk]}
    assert merge_record.moved["workshops.Registration"] == [moving.pk]
    undo(merge_record, by=world["orientation_officer"])
    assert (dump(world.alice), dump(twin)) == before


def test_the_history_follows_a_file_merged_into_a_file_merged_later(world):
    twin = imported_twin(world)
    last = person(world.dept_a, "Alice", "Durand-Martin")
    officer = world["orientation_officer"]
    merge((world.alice, twin), by=officer, survivor=world.alice)
    merge((world.alice, last), by=officer, survivor=last)
    summaries = set(history(last).values_list("summary", flat=True))
    assert "Fiche créée par l'import du flux CAF du 05/01/2026" in summaries  # twin → Alice → last
    assert fresh(last)[0].caf_number == "2089564"  # carried along twice

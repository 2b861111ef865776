"""The import engine end to end: CAF/MSA flux in, people and households out, work created (issue 4 §1, §3)."""

import datetime
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from parcours.alerts.enums import AlertKind
from parcours.alerts.models import Alert
from parcours.intake import engine
from parcours.intake.enums import BatchStatus, RowOutcome
from parcours.intake.fluxgen import FluxHousehold, FluxPerson, synthetic_households, write_flux
from parcours.intake.models import DuplicateSuspect, ImportIssue
from parcours.journal.models import Section, TimelineEvent
from parcours.orientation.models import OrientationRequest
from parcours.orientation.services import open_follow_up
from parcours.people.enums import HouseholdRole, RsaStatus
from parcours.people.models import Beneficiary, Household, MatchKey
from parcours.people.services import update_beneficiary

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent.parent / "parcours" / "intake" / "data" / "caf" / "sample-flux-RSABEM.xml"
REF = datetime.date(2025, 3, 31)


def flux(tmp_path, households, name="flux.xml", **kwargs):
    path = tmp_path / name
    write_flux(path, households, reference_date=kwargs.pop("reference_date", REF), department_code="93", **kwargs)
    return path


def run(path, department=None):
    batch = engine.create_batch(department=department, source_path=path, filename=path.name)
    return engine.run(batch)


def household(caf, *people, **extra):
    extra.setdefault("rsa_since", datetime.date(2024, 1, 15))
    return FluxHousehold(caf_number=caf, persons=list(people), commune_insee="93008", postal_code="93000", **extra)


def person(last, first, born, **extra):
    return FluxPerson(last_name=last, first_name=first, birth_date=born, **extra)


@pytest.fixture
def dept(world):
    return world.dept_a


def test_the_cnaf_sample_imports_and_fills_the_orientation_queue(world):
    from parcours.organizations.models import Department

    marne = Department.objects.create(code="52", name="Haute-Marne")
    batch = run(SAMPLE)
    assert batch.department == marne  # the flux names its département (IDEPARTE 052)
    assert batch.status == BatchStatus.DONE and batch.rows_total == batch.rows_done
    assert batch.created == batch.rows_done >= 1 and batch.rejected == 0
    bullock = Beneficiary.objects.get(department=marne, last_name="Bullock", first_name="Eta")
    assert bullock.birth_date == datetime.date(1973, 7, 21) and bullock.household_role == HouseholdRole.PARTNER
    assert bullock.household.rsa_status == RsaStatus.OPEN_PAYABLE and bullock.france_travail_id == "1253359X"
    assert (
        bullock.provenance["last_name"]["source"] == "caf_flux"
        and bullock.provenance["last_name"]["batch"] == batch.pk
    )
    request = OrientationRequest.objects.get(beneficiary=bullock)
    assert request.received_on == datetime.date(2022, 2, 28)  # DTREF: when the département learnt it
    assert TimelineEvent.objects.filter(beneficiary=bullock, summary__contains="flux CAF/MSA du 28/02/2022").exists()


def test_the_same_flux_twice_changes_nothing_the_second_time(tmp_path, dept):
    path = flux(tmp_path, synthetic_households(60, seed=3, department_code="93"))
    first = run(path)
    assert first.created == 60
    counts = (Beneficiary.objects.count(), Household.objects.count(), TimelineEvent.objects.count())
    second = run(path)
    assert second.pk != first.pk  # a finished import is not resumed: it is imported again
    assert (second.created, second.updated, second.unchanged, second.to_review) == (0, 0, 60, 0)
    assert (Beneficiary.objects.count(), Household.objects.count(), TimelineEvent.objects.count()) == counts
    open_rights = ["pending", "open_payable", "open_suspended", "open_payment_suspended"]
    expected = Beneficiary.objects.filter(rights_and_duties=True, household__rsa_status__in=open_rights).count()
    assert OrientationRequest.objects.count() == expected > 0  # once each, not again on the second import


def test_a_later_flux_updates_what_changed_with_provenance_and_alerts(tmp_path, world, dept):
    ada = person("MARTIN", "ADA", datetime.date(1980, 1, 2), nir="2800175123456")
    ben = person("NOEL", "BEN", datetime.date(1975, 3, 4), sex="m", nir="1750375123457")
    cyd = person("ROUX", "CYD", datetime.date(1990, 5, 6), nir="2900575123458")
    run(flux(tmp_path, [household("1000001", ada), household("1000002", ben), household("1000003", cyd)], "j1.xml"))
    followed = Beneficiary.objects.get(last_name="Martin")
    open_follow_up(followed, by=world["cip"], parcours="pro", organization=world.org_x, referent=world["cip"])
    moved = Beneficiary.objects.get(last_name="Roux")
    open_follow_up(moved, by=world["cip"], parcours="pro", organization=world.org_x, referent=world["cip"])

    later = [
        household("1000001", ada, rsa_status="3", suspension_reason="01", suspended_since=datetime.date(2025, 4, 1)),
        household("1000002", ben),
        FluxHousehold(
            caf_number="1000003",
            persons=[cyd],
            commune_insee="75056",
            postal_code="75001",
            rsa_since=datetime.date(2024, 1, 15),
        ),
    ]
    batch = run(flux(tmp_path, later, "j2.xml", reference_date=datetime.date(2025, 4, 30)))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 2, 1)
    followed.refresh_from_db()
    assert followed.household.rsa_status == RsaStatus.OPEN_SUSPENDED
    assert followed.household.provenance["rsa_status"]["batch"] == batch.pk
    assert followed.household.provenance["caf_body"]["batch"] != batch.pk  # unchanged values keep their origin
    summary = TimelineEvent.objects.filter(beneficiary=followed).order_by("-pk").first().summary
    assert "suspendu" in summary and "Ressources trop élevées" in summary
    alerts = dict(Alert.objects.filter(resolved_at__isnull=True).values_list("beneficiary__last_name", "kind"))
    assert alerts == {"Martin": AlertKind.RSA_SUSPENDED, "Roux": AlertKind.MOVED_OUT}
    assert Alert.objects.get(beneficiary=followed).assigned_to == world["cip"]


def test_an_invalid_element_is_reported_and_the_others_import(tmp_path, dept):
    good = household("2000001", person("DURAND", "ZOE", datetime.date(1985, 1, 1)))
    bad = household("2000002", person("PETIT", "LEA", "1985-13-45"))
    also_good = household("2000003", person("LEROY", "MIA", datetime.date(1991, 2, 3)))
    batch = run(flux(tmp_path, [good, bad, also_good]))
    assert (batch.created, batch.rejected) == (2, 1)
    issue = ImportIssue.objects.get(batch=batch)
    assert issue.outcome == RowOutcome.REJECTED and "2000002" in issue.place and "naissance" in issue.reason.lower()
    content, ctype, name = engine.issues_file(batch)
    text = content.decode("utf-8-sig")
    assert ctype.startswith("text/csv") and name.endswith("-rejets.csv")
    assert "Motif" in text.splitlines()[0] and "1985-13-45" in text


def test_probable_duplicates_are_created_and_sent_to_review(tmp_path, dept):
    known = Beneficiary.objects.create(
        department=dept, first_name="Mélanie", last_name="Lefèvre", birth_date=datetime.date(1988, 8, 8), sex="f"
    )
    from parcours.intake.matching import write_match_keys

    write_match_keys(dept.pk, [known])
    typo = household("3000001", person("LEFEBVRE", "MELANIE", datetime.date(1988, 8, 8)))
    batch = run(flux(tmp_path, [typo]))
    assert batch.to_review == 1 and batch.created == 0
    suspect = DuplicateSuspect.objects.get()
    assert suspect.existing == known and suspect.incoming.last_name == "Lefebvre" and suspect.batch == batch
    assert MatchKey.objects.filter(beneficiary=suspect.incoming).exists()


def test_a_value_typed_by_a_counselor_is_not_overwritten_by_the_flux(tmp_path, world, dept):
    zoe = household("4000001", person("DURAND", "ZOE", datetime.date(1985, 1, 1), france_travail_id="1111111A"))
    run(flux(tmp_path, [zoe], "a.xml"))
    file = Beneficiary.objects.get(last_name="Durand", first_name="Zoe")
    update_beneficiary(
        file,
        by=world["cip"],
        expected_version=file.version,
        changes={"france_travail_id": "2222222B"},
        section=Section.IDENTITY,
    )
    batch = run(flux(tmp_path, [zoe], "b.xml", reference_date=datetime.date(2025, 5, 31)))
    file.refresh_from_db()
    assert file.france_travail_id == "2222222B" and batch.unchanged == 1


def test_sql_statements_per_thousand_rows_stay_within_budget(tmp_path, dept, settings):
    settings.IMPORT_CHUNK_ROWS = 2000
    path = flux(tmp_path, synthetic_households(6000, seed=5, department_code="93"))
    batch = engine.create_batch(source_path=path, filename=path.name)
    statements = []

    def count(execute, sql, params, many, context):  # every statement, COPY included (PostgreSQL inserts)
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        engine.run(batch)
    assert batch.__class__.objects.get(pk=batch.pk).created == 6000
    per_thousand = len(statements) / 6  # the whole run: 3 chunks and the run's own reads and writes
    assert any(sql.startswith(("INSERT", "COPY")) for sql in statements)
    assert per_thousand <= 10, "\n".join(sql[:100] for sql in statements)


def test_import_flux_command_prints_a_summary_and_fails_on_an_unreadable_file(tmp_path, dept, capsys):
    path = flux(tmp_path, synthetic_households(5, seed=9, department_code="93"))
    call_command("import_flux", str(path))
    out = capsys.readouterr().out
    assert "créées" in out and "5" in out and "rejetées" in out
    broken = tmp_path / "broken.xml"
    broken.write_text("<Racine><InfosFoyerRSA>", encoding="utf-8")
    with pytest.raises(CommandError, match="illisible"):
        call_command("import_flux", str(broken))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_flux", str(tmp_path / "absent.xml"))


def test_a_stopped_run_resumes_after_the_last_committed_chunk(tmp_path, dept, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 10
    path = flux(tmp_path, synthetic_households(45, seed=11, department_code="93"))
    batch = engine.create_batch(source_path=path, filename=path.name)
    real_apply = engine.ChunkImport.apply
    calls = {"n": 0}

    def crash_on_third(self, items):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("coupure")
        return real_apply(self, items)

    before = Beneficiary.objects.count()
    monkeypatch.setattr(engine.ChunkImport, "apply", crash_on_third)
    with pytest.raises(RuntimeError):
        engine.run(batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.rows_done == 20 and Beneficiary.objects.count() == before + 20
    monkeypatch.setattr(engine.ChunkImport, "apply", real_apply)
    again = engine.create_batch(source_path=shutil.copy(path, tmp_path / "same.xml"), filename="same.xml")
    assert again.pk == batch.pk  # the same file: the unfinished batch, not a new one
    engine.run(again)
    again.refresh_from_db()
    assert (again.status, again.rows_done, again.created) == (BatchStatus.DONE, 45, 45)
    assert Beneficiary.objects.count() == before + 45 and again.chunks.count() == 5


def test_a_nir_known_in_another_departement_is_shown_for_review_never_matched(tmp_path, world, dept):
    paris = Beneficiary.objects.create(department=world.dept_b, first_name="Inès", last_name="Morel")
    paris.set_nir("2850575123456")
    paris.save()
    batch = run(
        flux(tmp_path, [household("5000001", person("MOREL", "INES", datetime.date(1985, 5, 5), nir="2850575123456"))])
    )
    assert (batch.created, batch.to_review) == (0, 1)
    suspect = DuplicateSuspect.objects.get(batch=batch)
    assert suspect.existing == paris and suspect.incoming.department == dept  # a new file here, Paris untouched
    assert "autre département" in ImportIssue.objects.get(batch=batch).reason

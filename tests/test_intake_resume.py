"""kill -9 in the middle of a 100,000-row import, then the same command again (issue 4, SECURITY G8 / T-F2).

The importer runs as a real process (`manage.py import_flux`) against the test database; it is killed with SIGKILL
once a few chunks are committed, then started again. The result must be exactly the one of an uninterrupted
import of the same file: same people, households, orientation requests and timeline, no row lost or doubled.
"""

import datetime
import signal
import subprocess
import sys

import pytest

from parcours.intake import engine
from parcours.intake.fluxgen import synthetic_households, write_flux
from parcours.intake.models import ImportBatch, ImportChunk
from parcours.journal.models import TimelineEvent
from parcours.organizations.models import Department
from parcours.orientation.models import OrientationRequest
from parcours.people.models import Beneficiary, Household
from tests.processes import ROOT, wait_for, worker_env
from tests.world import ensure_default_rules

ROWS = 100_000


def households_without_nir(n):
    """Without NIRs, so that the two départements of this test never see each other's people (known elsewhere)."""
    for household in synthetic_households(n, seed=2026, department_code="93"):
        for person in household.persons:
            person.nir = None
        yield household


def digest(department) -> dict:
    people = sorted(
        Beneficiary.objects.filter(department=department).values_list(
            "last_name",
            "first_name",
            "birth_name",
            "birth_date",
            "sex",
            "caf_number",
            "household_role",
            "france_travail_id",
            "rights_and_duties",
            "household__caf_number",
            "household__rsa_status",
            "address_line",
        )
    )
    return {
        "people": people,
        "households": Household.objects.filter(department=department).count(),
        "requests": OrientationRequest.objects.filter(department=department).count(),
        "timeline": TimelineEvent.objects.filter(department=department).count(),
    }


def command(path, code):
    return [sys.executable, "manage.py", "import_flux", str(path), "--departement", code]


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_restarted_ends_with_exactly_the_rows_of_an_uninterrupted_one(tmp_path):
    ensure_default_rules()
    golden_dept = Department.objects.create(code="991", name="Département témoin")
    killed_dept = Department.objects.create(code="992", name="Département interrompu")
    path = tmp_path / "stock.xml"
    write_flux(
        path,
        households_without_nir(ROWS),
        reference_date=datetime.date(2025, 3, 31),
        department_code="93",
        flux_type="M",
    )

    golden = engine.run(engine.create_batch(department=golden_dept, source_path=path, filename=path.name))
    assert golden.rows_done == ROWS and golden.rejected == 0

    env = worker_env(IMPORT_CHUNK_ROWS="2000")
    log = open(tmp_path / "import.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command(path, "992"), cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        chunks = ImportChunk.objects.filter(batch__department=killed_dept)
        assert wait_for(lambda: chunks.count() >= 5, 120), "l'import n'a pas commencé"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    batch = ImportBatch.objects.get(department=killed_dept)
    done_before = Beneficiary.objects.filter(department=killed_dept).count()
    assert batch.status != "done" and 0 < done_before < ROWS
    assert done_before == batch.rows_done == chunks.count() * 2000  # the ledger says exactly what is written

    rerun = subprocess.run(command(path, "992"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    log.close()
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "repris" in rerun.stdout
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done) == ("done", ROWS)
    assert ImportBatch.objects.filter(department=killed_dept).count() == 1
    assert chunks.count() == ROWS // 2000 and chunks.values("index").distinct().count() == ROWS // 2000
    assert digest(killed_dept) == digest(golden_dept)

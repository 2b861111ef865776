"""Authorisation matrix rows of this area (see tests/matrix/__init__.py).

The review queue of probable duplicates is for the orientation officers and the administrators of the
département's services (the whole département), and the agency heads (pairs of their territory: both pairs here
involve someone followed in X, in T1). Every other persona is refused by the rule (403). The merge POST is sent
empty, hence invalid (400); "different people" and "undo" need no field: a persona let through is sent back to
the queue (each cell is rolled back).
"""

from parcours.intake.merge import merge
from parcours.intake.models import DuplicateSuspect, MergeRecord
from parcours.orientation.enums import Parcours
from parcours.orientation.services import open_follow_up
from tests.matrix.vocabulary import LOGIN, row, to
from tests.world import person

ANON = {"anonymous": LOGIN, "inactive": LOGIN}
REVIEWERS = ("agency_head", "orientation_officer", "administrator")


def reviewers(value):
    return row(default=403, **ANON, **dict.fromkeys(REVIEWERS, value))


QUEUE = "web:duplicates"
EXPECTED = {
    QUEUE: {"GET": reviewers(200)},
    "web:duplicate-merge": {"GET": reviewers(405), "POST": reviewers(400)},
    "web:duplicate-distinct": {"GET": reviewers(405), "POST": reviewers(to(QUEUE))},
    "web:merge-undo": {"GET": reviewers(405), "POST": reviewers(to(QUEUE))},
}
PARAMS = ("suspect_id", "record_id")


def objects(world):
    """An open pair (Bob and the file an import made of him), and a merge of Eve's two files to undo."""
    suspect = DuplicateSuspect.objects.filter(existing=world.bob).first()
    if suspect is None:
        twin = person(world.dept_a, "Bob", "LEFEBVRE", caf_number="1234567")
        suspect = DuplicateSuspect.objects.create(
            department=world.dept_a, existing=world.bob, incoming=twin, score=0.95, reasons=["même nom et prénom"]
        )
    merge_record = MergeRecord.objects.filter(survivor__first_name="Eve", survivor__last_name="Fusion").first()
    if merge_record is None:
        eve = person(world.dept_a, "Eve", "Fusion")
        open_follow_up(eve, by=world["cip"], parcours=Parcours.PRO, organization=world.org_x, referent=world["cip"])
        twin = person(world.dept_a, "Eve", "FUSION", internal_id="E-1")
        merge_record = merge((eve, twin), by=world["orientation_officer"], survivor=eve)
    return {"suspect_id": suspect.pk, "record_id": merge_record.pk}

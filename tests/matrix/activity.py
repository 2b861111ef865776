"""Authorisation matrix rows of the hours of activity (see tests/matrix/__init__.py).

The caseload's weekly view is for the accompanying professions. A person's hours follow her file and its
socio-professional section (Alice: her team but the socio-esthetician, the agency head of T1 and the orientation
officer read them; 404 for the other counselors); entering or deleting an activity is for the team members who
edit that section. POSTs are sent empty, hence invalid: a persona let through gets 400 and nothing changes.
"""

import datetime

from django.utils import timezone

from parcours.activity.models import ActivityEntry
from tests.matrix.vocabulary import LOGIN, row

ANON = {"anonymous": LOGIN, "inactive": LOGIN}
ACCOMPANYING = ("cip", "social_worker", "psychologist", "digital_advisor", "socio_esthetician")
OUTSIDE = {"cip_out": 404, "psychologist_out": 404, "multi": 404, "cip_b": 404}
TEAM_EDITORS = ("cip", "social_worker", "psychologist", "digital_advisor")

CASELOAD = row(default=403, **ANON, **dict.fromkeys(ACCOMPANYING + tuple(OUTSIDE), 200))
PERSON = row(
    default=403,
    **ANON,
    **dict.fromkeys(TEAM_EDITORS, 200),
    **OUTSIDE,
    agency_head=200,
    orientation_officer=200,
)
POST_ONLY = row(
    default=403, **ANON, **dict.fromkeys(ACCOMPANYING + tuple(OUTSIDE) + ("agency_head", "orientation_officer"), 405)
)
WRITE = row(default=403, **ANON, **dict.fromkeys(TEAM_EDITORS, 400), **OUTSIDE)

EXPECTED = {
    "web:activity-caseload": {"GET": CASELOAD},
    "web:activity-person": {"GET": PERSON},
    "web:activity-entry-create": {"GET": POST_ONLY, "POST": WRITE},
    "web:activity-entry-delete": {"GET": POST_ONLY, "POST": WRITE},
}
PARAMS = ("hours_person_id", "activity_entry_id")


def objects(world):
    """Alice, and an immersion day entered on her week."""
    entry, _ = ActivityEntry.objects.get_or_create(
        beneficiary=world.alice,
        kind="immersion",
        date=timezone.localdate() - datetime.timedelta(days=1),
        defaults={"department": world.dept_a, "planned_hours": 7, "done_hours": 7, "created_by": world["cip"]},
    )
    return {"hours_person_id": world.alice.public_id, "activity_entry_id": entry.pk}

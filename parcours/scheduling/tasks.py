"""Background planning: re-plan one counselor (INTERACTIVE), plan a whole département (BULK)."""

import logging
import time
from collections import defaultdict

from django.db import transaction

from parcours.accounts.models import User
from parcours.jobs.api import first_time, job
from parcours.jobs.queues import BULK, INTERACTIVE
from parcours.orientation.models import FollowUp
from parcours.scheduling import solver
from parcours.scheduling.availability import build_batch
from parcours.scheduling.enums import ReplanReason
from parcours.scheduling.services import TIME_LIMIT, default_start, place_person, propose_plan, save_runs

logger = logging.getLogger(__name__)

TERRITORY_PROCESSES = 2


@job(max_attempts=3, queue=INTERACTIVE)
def replan_counselor(
    counselor_id: int,
    *,
    reason: str,
    beneficiary_id: int | None = None,
    freed_appointment_id: int | None = None,
    token: str | None = None,
):
    """Re-plan the counselor's coming two weeks, existing planned appointments kept where they are.

    With `beneficiary_id`, that person's appointment is created and invited at once; the rest of the new
    proposal waits for the counselor. Runs once per request (`token`), even if a worker dies half-way.
    """
    with transaction.atomic():
        if token and not first_time(f"scheduling.replan:{token}"):
            return None
        counselor = User.objects.filter(pk=counselor_id, is_active=True).first()
        if counselor is None:
            return None
        run = propose_plan(
            counselor,
            by=None,
            reason=reason,
            beneficiary_id=beneficiary_id,
            freed_appointment_id=freed_appointment_id,
        )
        if beneficiary_id:
            place_person(run, beneficiary_id=beneficiary_id, reason=reason)
        return run.pk


def groups(counselor_ids: list, batch) -> list:
    """Counselors who share a place (hence rooms) together: union of the places of their working hours."""
    parent = {c: c for c in counselor_ids}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    first_of_place = {}
    for c in counselor_ids:
        for place in batch.contexts[c].places:
            other = first_of_place.setdefault(place, c)
            parent[find(c)] = find(other)
    out = defaultdict(list)
    for c in counselor_ids:
        out[find(c)].append(c)
    return list(out.values())


@job(max_attempts=2, queue=BULK)
def plan_territory(department_id: int, *, processes: int = TERRITORY_PROCESSES, token: str | None = None):
    """Proposals for every referent of the département: agencies solved in parallel processes (see solver)."""
    started = time.perf_counter()
    counselor_ids = sorted(
        set(
            FollowUp.objects.open()
            .filter(department_id=department_id, referent__isnull=False, referent__is_active=True)
            .values_list("referent_id", flat=True)
            .distinct()
        )
    )
    if not counselor_ids:
        return {"counselors": 0}
    batch = build_batch(counselor_ids, start=default_start(), days=10)
    capacity = batch.capacity()
    agencies = [
        solver.Agency(
            key=members[0],
            problems=[batch.contexts[c].problem for c in members],
            rooms={
                k: v for k, v in capacity.items() if k[0] in {p for c in members for p in batch.contexts[c].places}
            },
        )
        for members in groups(counselor_ids, batch)
    ]
    built = time.perf_counter()
    results = solver.solve_territory(agencies, processes=processes, time_limit=TIME_LIMIT)
    solved = time.perf_counter()
    with transaction.atomic():
        if token and not first_time(f"scheduling.territory:{token}"):
            return None
        save_runs(batch, results, by=None, reason=ReplanReason.TERRITORY)
    summary = {
        "counselors": len(results),
        "people": sum(len(c.people) for c in batch.contexts.values()),
        "unplaced": sum(len(r.unplaced) for r in results),
        "build_s": round(built - started, 2),
        "solve_s": round(solved - built, 2),
        "total_s": round(time.perf_counter() - started, 2),
    }
    logger.info("Planification du territoire %s : %s", department_id, summary)
    return summary

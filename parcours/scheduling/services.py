"""Planning proposals: propose, confirm, re-plan (the rules; the pages are in parcours/web)."""

import datetime
import time
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from parcours.agenda.enums import AppointmentKind, AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment
from parcours.jobs.api import enqueue
from parcours.jobs.queues import INTERACTIVE
from parcours.journal.services import record
from parcours.scheduling import solver
from parcours.scheduling.availability import Batch, build_batch
from parcours.scheduling.enums import Method, RunStatus
from parcours.scheduling.models import PlanningItem, PlanningRun, RoomBooking

HORIZON_DAYS = 10  # working days: the coming two weeks
TIME_LIMIT = 2.0  # seconds of CP-SAT per counselor at most (about 0.1–0.3 s when the plan is proven optimal)


def default_start() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def propose_plan(
    counselor,
    *,
    by,
    start: datetime.date | None = None,
    days: int = HORIZON_DAYS,
    reason: str = "",
    beneficiary_id: int | None = None,
    freed_appointment_id: int | None = None,
) -> PlanningRun:
    """Plan the coming `days` working days of the counselor's caseload; the counselor reviews and confirms.

    Existing planned appointments stay where they are. The counselor's older pending proposals are superseded.
    """
    started = time.perf_counter()
    extra = {counselor.pk: (beneficiary_id, reason)} if beneficiary_id else None
    batch = build_batch(
        [counselor.pk],
        start=start or default_start(),
        days=days,
        extra=extra,
        freed_appointment_id=freed_appointment_id,
    )
    ctx = batch.contexts[counselor.pk]
    result = solver.solve(ctx.problem, rooms=batch.capacity(), time_limit=TIME_LIMIT)
    with transaction.atomic():
        (run,) = save_runs(batch, [result], by=by, reason=reason, started=started)
    return run


def save_runs(
    batch: Batch, results: list, *, by, reason: str = "", started: float | None = None, supersede: bool = True
) -> list:
    """Store one PlanningRun (and its items) per result, in the order the results were solved (rooms).

    The counselors' pending proposals are superseded, unless `supersede` is False (a person's own booking).
    """
    counselor_ids = [r.key for r in results]
    if supersede:
        PlanningRun.objects.filter(counselor_id__in=counselor_ids, status=RunStatus.PROPOSED).update(
            status=RunStatus.SUPERSEDED
        )
    runs, items = [], []
    for result in results:
        ctx = batch.contexts[result.key]
        run = PlanningRun(
            counselor_id=result.key,
            created_by=by,
            start=batch.start,
            end=batch.end,
            reason=reason,
            method=result.method,
            solver_status=result.status,
            people_due=len(ctx.people),
            cost=result.cost,
            greedy_cost=result.greedy_cost,
            unplaced_count=len(result.unplaced),
            greedy_unplaced=result.greedy_unplaced,
            seconds=round(time.perf_counter() - started, 3) if started else round(result.seconds, 3),
            unplaced=[{"beneficiary_id": k, "reason": ctx.people[k].reason} for k in result.unplaced],
        )
        runs.append(run)
        for a in sorted(result.assignments, key=lambda a: a.slot):
            info = ctx.people[a.person]
            slot = ctx.problem.slots[a.slot]
            room_id = batch.take_room(slot) if info.mode == Mode.ON_SITE else None
            reason_text = info.reason + (", créneau libéré par une annulation" if slot.bonus else "")
            items.append(
                (
                    run,
                    PlanningItem(
                        beneficiary_id=a.person,
                        follow_up_id=info.follow_up_id,
                        starts_at=ctx.starts[a.slot],
                        duration_minutes=batch.slot_minutes * len(a.slots),
                        mode=info.mode,
                        room_id=room_id,
                        place_label=batch.place_labels.get(slot.place, "") if info.mode == Mode.ON_SITE else "",
                        due_on=info.due_on,
                        cost=a.cost,
                        reason=reason_text[:300],
                    ),
                )
            )
    PlanningRun.objects.bulk_create(runs)
    for run, item in items:
        item.run = run
    PlanningItem.objects.bulk_create([item for _run, item in items], batch_size=2000)
    return runs


def _refusal(item, counselor_busy, person_busy) -> str:
    end = item.starts_at + datetime.timedelta(minutes=item.duration_minutes)
    when = f"{timezone.localtime(item.starts_at):%d/%m à %H:%M}"
    if item.starts_at <= timezone.now():
        return f"Le créneau du {when} est passé."
    if any(s < end and item.starts_at < e for s, e in counselor_busy):
        return f"Le créneau du {when} n'est plus libre : un autre rendez-vous y a été pris entre-temps."
    if any(s < end and item.starts_at < e for s, e in person_busy.get(item.beneficiary_id, ())):
        return f"La personne a déjà un rendez-vous le {when}."
    return ""


@transaction.atomic
def confirm_plan(run: PlanningRun, *, by, item_ids: list[int], keep_open: bool = False) -> list[Appointment]:
    """Create the appointments of the chosen items and send the invitations, in one transaction.

    An item already confirmed is skipped (confirming twice creates nothing more). An item whose slot was taken
    meanwhile (the counselor's agenda, the person's, or the room) is refused: its `refusal` says why, in French.
    Returns the appointments created now.
    """
    from parcours.notifications.services import invite

    # The run and its counselor locked: one confirmation at a time per counselor (SQLite serializes writers).
    run = PlanningRun.objects.select_for_update(of=("self", "counselor")).select_related("counselor").get(pk=run.pk)
    if run.status == RunStatus.SUPERSEDED:
        raise ValidationError("Cette proposition a été remplacée par une plus récente : rechargez le planning.")
    wanted = {int(i) for i in item_ids}
    items = list(run.items.filter(pk__in=wanted).select_related("beneficiary", "follow_up"))
    created = []
    if items:
        low = min(i.starts_at for i in items) - datetime.timedelta(hours=12)
        high = max(i.starts_at for i in items) + datetime.timedelta(hours=12)
        planned = Appointment.objects.filter(
            Q(counselor_id=run.counselor_id) | Q(beneficiary_id__in=[i.beneficiary_id for i in items]),
            status=AppointmentStatus.PLANNED,
            starts_at__gte=low,
            starts_at__lt=high,
        ).values_list("counselor_id", "beneficiary_id", "starts_at", "duration_minutes")
        counselor_busy, person_busy = [], {}
        for counselor_id, person, s, minutes_ in planned:
            span = (s, s + datetime.timedelta(minutes=minutes_))
            if counselor_id == run.counselor_id:
                counselor_busy.append(span)
            person_busy.setdefault(person, []).append(span)
        for item in sorted(items, key=lambda i: i.starts_at):
            if item.appointment_id:
                continue
            item.refusal = _refusal(item, counselor_busy, person_busy)
            appointment = None if item.refusal else _book(run, item, by)
            if appointment is None:
                item.refusal = item.refusal or (
                    f"Le bureau prévu le {timezone.localtime(item.starts_at):%d/%m à %H:%M} a été pris entre-temps."
                )
                continue
            span = (appointment.starts_at, appointment.ends_at)
            counselor_busy.append(span)
            person_busy.setdefault(item.beneficiary_id, []).append(span)
            item.appointment = appointment
            created.append(appointment)
        PlanningItem.objects.bulk_update(items, ["appointment", "refusal"])
    if not keep_open:
        run.items.exclude(pk__in=wanted).filter(appointment__isnull=True).update(selected=False)
        run.status = RunStatus.CONFIRMED
        run.save(update_fields=["status"])
    if created:
        invite(created, by=by)
    return created


def _book(run, item, by) -> Appointment | None:
    """The appointment of one item (with its room), or None when the room was taken meanwhile."""
    try:
        with transaction.atomic():
            appointment = plan_appointment(
                item.beneficiary,
                follow_up=item.follow_up,
                counselor=run.counselor,
                by=by,
                starts_at=item.starts_at,
                duration_minutes=item.duration_minutes,
                kind=AppointmentKind.FOLLOW_UP,
                mode=item.mode,
                place=item.place_label,
            )
            if item.room_id:
                end = appointment.ends_at
                clash = RoomBooking.objects.filter(
                    room_id=item.room_id, starts_at__lt=end, ends_at__gt=item.starts_at
                ).exclude(appointment__status=AppointmentStatus.PLANNED)
                clash.delete()  # a cancelled appointment's booking frees the room
                if RoomBooking.objects.filter(room_id=item.room_id, starts_at__lt=end, ends_at__gt=item.starts_at):
                    raise IntegrityError("room taken")
                RoomBooking.objects.create(
                    room_id=item.room_id, appointment=appointment, starts_at=item.starts_at, ends_at=end
                )
    except IntegrityError:
        return None
    return appointment


def request_replan(
    counselor_id: int,
    *,
    reason: str,
    beneficiary_id: int | None = None,
    freed_appointment_id: int | None = None,
):
    """Re-plan the counselor's coming two weeks in the background (INTERACTIVE queue), in the caller's transaction.

    With `beneficiary_id` (the person asked for another slot, or missed an appointment) that person is placed
    in the best free slot and invited automatically; otherwise a new proposal waits for the counselor.
    """
    return enqueue(
        "parcours.scheduling.tasks.replan_counselor",
        counselor_id,
        queue=INTERACTIVE,
        reason=reason,
        beneficiary_id=beneficiary_id,
        freed_appointment_id=freed_appointment_id,
        token=uuid.uuid4().hex,
    )


def place_person(run: PlanningRun, *, beneficiary_id: int, reason: str) -> list[Appointment]:
    """Confirm the item of one person at once (the rest of the proposal waits for the counselor)."""
    item = run.items.filter(beneficiary_id=beneficiary_id).first()
    if item is None:
        from parcours.people.models import Beneficiary

        person = Beneficiary.objects.filter(pk=beneficiary_id).first()
        if person is not None:
            record(
                person,
                actor=None,
                kind="appointment",
                summary="Aucun créneau libre dans les deux semaines à venir : la personne reste à replacer.",
            )
        return []
    return confirm_plan(run, by=None, item_ids=[item.pk], keep_open=True)


# The person chooses another slot herself (the link of her convocation) ---------------------------------------

SLOTS_OFFERED = 6


def _person_options(appointment):
    """(batch, context, options) for the person of `appointment` over the coming two weeks, her own slot
    excluded: options are (slot index, cost, covered) as the planner allows them (availability, rooms, her
    constraints and usual mode)."""
    counselor_id, person_id = appointment.counselor_id, appointment.beneficiary_id
    batch = build_batch(
        [counselor_id],
        start=default_start(),
        days=HORIZON_DAYS,
        extra={counselor_id: (person_id, "another_slot")},
        freed_appointment_id=appointment.pk,
    )
    ctx = batch.contexts[counselor_id]
    person = next((p for p in ctx.problem.people if p.key == person_id), None)
    options = solver.allowed(ctx.problem, person, batch.capacity()) if person else []
    return batch, ctx, person, options


def free_slots(appointment, *, limit: int = SLOTS_OFFERED) -> list[datetime.datetime]:
    """Up to `limit` free slots the person may choose instead of `appointment`: the best for her first (closest
    to when she is due, her preferences), at most one per half-day so that the choice is real; chronological."""
    _batch, ctx, _person, options = _person_options(appointment)
    chosen, halves = [], set()
    for index, _cost, _covered in sorted(options, key=lambda o: (o[1], o[0])):
        at = timezone.localtime(ctx.starts[index])
        half = (at.date(), at.hour < 13)
        if half in halves:
            continue
        halves.add(half)
        chosen.append(ctx.starts[index])
        if len(chosen) == limit:
            break
    return sorted(chosen)


@transaction.atomic
def book_chosen_slot(appointment, starts_at: datetime.datetime) -> Appointment:
    """Book the slot the person chose (one of `free_slots`), room included, and send her convocation.

    Raises ValidationError (in French) when that slot is not free any more. The old appointment is left to the
    caller (it cancels it and gives its slot back to the planning).
    """
    batch, ctx, person, options = _person_options(appointment)
    index = next((i for i, _c, _cov in options if ctx.starts[i] == starts_at), None)
    if person is None or index is None:
        raise ValidationError("Ce créneau n'est plus libre : choisissez-en un autre.")
    cost, covered = next((c, cov) for i, c, cov in options if i == index)
    result = solver.Result(
        appointment.counselor_id,
        Method.PERSON,
        solver.OPTIMAL,
        [solver.Assignment(person.key, index, cost, covered)],
        [],
        cost,
    )
    (run,) = save_runs(batch, [result], by=None, reason="another_slot", supersede=False)
    created = confirm_plan(run, by=None, item_ids=list(run.items.values_list("pk", flat=True)))
    if not created:
        raise ValidationError("Ce créneau vient d'être pris : choisissez-en un autre.")
    return created[0]

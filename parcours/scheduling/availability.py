"""From the database to solver problems, for a batch of counselors in a constant number of queries.

Slots: every working day of the horizon (Monday to Friday, minus the public holidays of the département's
country — France with Alsace-Moselle's own days for 57/67/68, or Belgium), cut from each of the counselor's
working-hours ranges in `planning.slot_minutes` pieces. A slot is not free when it is past, in an absence, or
overlaps one of the counselor's planned appointments. Rooms: a place's rooms minus those booked (planned
on-site appointments) or held by another counselor's pending proposal at that time.

Who is due: every open follow-up the counselor is referent of, whose next appointment falls within the horizon at
the cadence of its parcours: due = (latest planned appointment to come, else last appointment seen, else the
start of the follow-up) + cadence days. A person with a planned appointment that already covers the horizon is
therefore not due. Window: due date ± `planning.window_days`; an overdue person may take any day of the horizon,
as early as possible (the cost counts the days from the first one).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db.models import Max, Q
from django.utils import timezone

from parcours.agenda.cadence import cadence_days
from parcours.agenda.enums import AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.core.rules import rule_values
from parcours.orientation.models import FollowUp
from parcours.scheduling import solver
from parcours.scheduling.enums import DayPart, Preference, RunStatus, Weekday
from parcours.scheduling.models import Absence, PersonConstraints, PlanningItem, Room, RoomBooking, WorkingHours

ALSACE_MOSELLE = {"57", "67", "68"}
RECENT_DAYS = 60  # the usual mode is read from the appointments of the last two months
ANOTHER_SLOT_LABELS = {
    "another_slot": "autre créneau demandé",
    "no_show": "nouveau rendez-vous après une absence",
    "cancelled": "nouveau rendez-vous après une annulation",
}


@lru_cache(maxsize=64)
def holiday_dates(country: str, department_code: str, year: int) -> frozenset:
    """Public holidays of a year (package `holidays`)."""
    if country == "BE":
        return frozenset(holidays.country_holidays("BE", years=year))
    subdiv = "57" if department_code in ALSACE_MOSELLE else None
    return frozenset(holidays.country_holidays("FR", subdiv=subdiv, years=year))


def working_days(start: datetime.date, count: int, *, country: str = "FR", department_code: str = "") -> list:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and day not in holiday_dates(country, department_code, day.year):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def aware(day: datetime.date, t: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, t))


def minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


@dataclass
class PersonInfo:
    beneficiary_id: int
    follow_up_id: int | None
    due_on: datetime.date
    overdue: bool
    mode: str
    reason: str


@dataclass
class Context:
    """One counselor's problem and what is needed to turn the solver's answer back into appointments."""

    counselor_id: int
    problem: solver.Problem
    starts: list  # slot index -> aware datetime
    people: dict  # person key (beneficiary id) -> PersonInfo
    places: set = field(default_factory=set)


@dataclass
class Batch:
    start: datetime.date
    end: datetime.date
    slot_minutes: int
    contexts: dict  # counselor id -> Context
    place_rooms: dict  # place id -> [room ids]
    place_labels: dict  # place id -> label
    used: dict  # (place, day ordinal, minute) -> set of room ids taken

    def capacity(self) -> dict:
        """Rooms still free per (place, day, minute) of every slot of the batch (the solver's `rooms`)."""
        out = {}
        for ctx in self.contexts.values():
            for slot in ctx.problem.slots:
                key = slot.room_key
                if key not in out:
                    out[key] = len(self.place_rooms.get(slot.place, ())) - len(self.used.get(key, ()))
        return out

    def take_room(self, slot: solver.Slot) -> int | None:
        taken = self.used.setdefault(slot.room_key, set())
        for room_id in self.place_rooms.get(slot.place, ()):
            if room_id not in taken:
                taken.add(room_id)
                return room_id
        return None


def _overlaps(start: datetime.datetime, length: int, spans) -> bool:
    end = start + datetime.timedelta(minutes=length)
    return any(s < end and start < e for s, e in spans)


def build_batch(
    counselor_ids,
    *,
    start: datetime.date,
    days: int,
    extra: dict | None = None,
    freed_appointment_id: int | None = None,
) -> Batch:
    """Problems for `counselor_ids` over `days` working days from `start`.

    `extra`: {counselor id: (beneficiary id, reason)} — a person to place whether due or not (asked for another
    slot, missed an appointment), as early as possible. `freed_appointment_id`: a cancelled appointment whose slot
    is worth filling first (and which the person of `extra` must not get back).
    """
    counselor_ids = list(counselor_ids)
    extra = extra or {}
    now = timezone.now()
    hours = list(
        WorkingHours.objects.filter(user_id__in=counselor_ids)
        .select_related("place__organization__department")
        .order_by("user_id", "weekday", "start")
    )
    by_user = defaultdict(list)
    place_labels, departments = {}, {}
    for h in hours:
        by_user[h.user_id].append(h)
        place_labels[h.place_id] = h.place.label
        departments.setdefault(h.user_id, h.place.organization.department)
    any_department = next(iter(departments.values()), None)
    country = any_department.country if any_department else "FR"
    code = any_department.code if any_department else ""
    dates = working_days(start, days, country=country, department_code=code)
    first, last = dates[0], dates[-1]
    begin_dt, end_dt = aware(first, datetime.time.min), aware(last + datetime.timedelta(days=1), datetime.time.min)
    department_id = any_department.pk if any_department else None
    settings = rule_values(["planning.slot_minutes", "planning.window_days"], on=first, department_id=department_id)
    length, window = int(settings["planning.slot_minutes"]), int(settings["planning.window_days"])
    cadence = cadence_days(on=first, department_id=department_id)

    absences = defaultdict(list)
    for user_id, s, e in Absence.objects.filter(
        user_id__in=counselor_ids, starts_at__lt=end_dt, ends_at__gt=begin_dt
    ).values_list("user_id", "starts_at", "ends_at"):
        absences[user_id].append((s, e))
    busy = defaultdict(list)
    for user_id, s, minutes_ in Appointment.objects.filter(
        counselor_id__in=counselor_ids,
        status=AppointmentStatus.PLANNED,
        starts_at__lt=end_dt,
        starts_at__gte=begin_dt - datetime.timedelta(hours=12),
    ).values_list("counselor_id", "starts_at", "duration_minutes"):
        busy[user_id].append((s, s + datetime.timedelta(minutes=minutes_)))
    freed = None
    if freed_appointment_id:
        freed = (
            Appointment.objects.filter(pk=freed_appointment_id)
            .values_list("counselor_id", "starts_at", "duration_minutes", "beneficiary_id")
            .first()
        )

    # Rooms of the places, and what already holds them.
    place_ids = set(place_labels)
    place_rooms = defaultdict(list)
    for room_id, place_id in (
        Room.objects.filter(place_id__in=place_ids).order_by("name", "pk").values_list("id", "place_id")
    ):
        place_rooms[place_id].append(room_id)
    holders = defaultdict(list)  # (place, date) -> [(start, end, room id)]
    bookings = RoomBooking.objects.filter(
        room__place_id__in=place_ids,
        starts_at__lt=end_dt,
        ends_at__gt=begin_dt,
        appointment__status=AppointmentStatus.PLANNED,
    ).values_list("room__place_id", "starts_at", "ends_at", "room_id")
    pending = (
        PlanningItem.objects.filter(
            run__status=RunStatus.PROPOSED,
            appointment__isnull=True,
            selected=True,
            room__place_id__in=place_ids,
            starts_at__lt=end_dt,
            starts_at__gte=begin_dt,
        )
        .exclude(run__counselor_id__in=counselor_ids)
        .values_list("room__place_id", "starts_at", "duration_minutes", "room_id")
    )
    for place_id, s, e, room_id in bookings:
        holders[(place_id, timezone.localtime(s).date())].append((s, e, room_id))
    for place_id, s, minutes_, room_id in pending:
        holders[(place_id, timezone.localtime(s).date())].append(
            (s, s + datetime.timedelta(minutes=minutes_), room_id)
        )

    # Slots.
    contexts = {}
    used: dict = {}
    for user_id in counselor_ids:
        slots, starts, places = [], [], set()
        blocked = absences[user_id] + busy[user_id]
        for day in dates:
            ordinal = day.toordinal()
            for h in (h for h in by_user[user_id] if h.weekday == day.weekday()):
                t, end = minutes(h.start), minutes(h.end)
                previous = None
                while t + length <= end:
                    at = aware(day, datetime.time(t // 60, t % 60))
                    index = len(slots)
                    free = at > now and not _overlaps(at, length, blocked)
                    bonus = bool(freed and freed[0] == user_id and _overlaps(at, length, [_span(freed)]))
                    slot = solver.Slot(index, ordinal, day.weekday(), t, h.place_id, free, None, bonus)
                    if previous is not None:
                        slots[previous] = _with_next(slots[previous], index)
                    slots.append(slot)
                    starts.append(at)
                    places.add(h.place_id)
                    key = slot.room_key
                    if key not in used:
                        used[key] = {r for s, e, r in holders[(h.place_id, day)] if _overlaps(at, length, [(s, e)])}
                    previous = index
                    t += length
        contexts[user_id] = Context(user_id, solver.Problem(user_id, slots, [], length), starts, {}, places)

    _add_people(contexts, extra, freed, now=now, first=first, last=last, window=window, cadence=cadence)
    return Batch(first, last, length, contexts, dict(place_rooms), place_labels, used)


def _span(freed):
    _counselor, s, minutes_, _person = freed
    return (s, s + datetime.timedelta(minutes=minutes_))


def _with_next(slot: solver.Slot, index: int) -> solver.Slot:
    return solver.Slot(slot.index, slot.day, slot.weekday, slot.minute, slot.place, slot.free, index, slot.bonus)


def _add_people(contexts, extra, freed, *, now, first, last, window, cadence):
    counselor_ids = list(contexts)
    extra_people = {person: (counselor, reason) for counselor, (person, reason) in extra.items()}
    scope = Q(referent_id__in=counselor_ids)
    if extra_people:
        scope |= Q(beneficiary_id__in=list(extra_people))
    follow_ups = (
        FollowUp.objects.open()
        .filter(scope)
        .annotate(
            last_seen=Max("appointments__starts_at", filter=Q(appointments__status=AppointmentStatus.SEEN)),
            next_planned=Max(
                "appointments__starts_at",
                filter=Q(appointments__status=AppointmentStatus.PLANNED, appointments__starts_at__gte=now),
            ),
        )
        .values_list("pk", "beneficiary_id", "parcours", "referent_id", "start_date", "last_seen", "next_planned")
    )
    people_scope = FollowUp.objects.open().filter(scope).values("beneficiary_id")
    constraints = {c.beneficiary_id: c for c in PersonConstraints.objects.filter(beneficiary_id__in=people_scope)}
    recent = defaultdict(list)
    for person, mode in (
        Appointment.objects.filter(
            beneficiary_id__in=people_scope, starts_at__gte=now - datetime.timedelta(days=RECENT_DAYS)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("beneficiary_id", "-starts_at")
        .values_list("beneficiary_id", "mode")
    ):
        if len(recent[person]) < 3:
            recent[person].append(mode)
    begin_dt = aware(first, datetime.time.min)
    end_dt = aware(last + datetime.timedelta(days=1), datetime.time.min)
    person_busy = defaultdict(list)
    for person, s, minutes_ in Appointment.objects.filter(
        beneficiary_id__in=people_scope,
        status=AppointmentStatus.PLANNED,
        starts_at__lt=end_dt,
        starts_at__gte=begin_dt - datetime.timedelta(hours=12),
    ).values_list("beneficiary_id", "starts_at", "duration_minutes"):
        person_busy[person].append((s, s + datetime.timedelta(minutes=minutes_)))
    if freed:
        person_busy[freed[3]].append(_span(freed))  # the person who gave the slot back does not get it again

    f_ord, l_ord = first.toordinal(), last.toordinal()
    for fu_id, person, parcours, referent, since, last_seen, next_planned in follow_ups:
        forced = extra_people.get(person)
        counselor = forced[0] if forced else referent
        ctx = contexts.get(counselor)
        if ctx is None:
            continue
        base = next_planned or last_seen
        base_day = timezone.localtime(base).date() if base else since
        due_on = base_day + datetime.timedelta(days=cadence[parcours])
        if not forced and due_on > last:
            continue
        overdue = forced is not None or due_on < first
        if overdue:
            target, earliest, latest = f_ord, f_ord, l_ord
        else:
            d = due_on.toordinal()
            target, earliest, latest = max(d, f_ord), max(d - window, f_ord), min(d + window, l_ord)
        c = constraints.get(person)
        mode = (c.preferred_mode if c and c.preferred_mode else "") or _usual(recent[person])
        spans = person_busy[person]
        length = ctx.problem.slot_minutes
        busy_slots = frozenset(
            s.index
            for s, at in zip(ctx.problem.slots, ctx.starts, strict=True)
            if spans and _overlaps(at, length, spans)
        )
        ranges = ()
        if c and c.unavailable_from and c.unavailable_until:
            ranges = ((minutes(c.unavailable_from), minutes(c.unavailable_until)),)
        ctx.problem.people.append(
            solver.Person(
                key=person,
                target=target,
                earliest=earliest,
                latest=latest,
                mode=mode,
                day_part=c.day_part if c else DayPart.ANY,
                prefers=c.prefers if c else Preference.ANY,
                weekdays_off=frozenset(c.weekdays_off) if c else frozenset(),
                ranges_off=ranges,
                busy=busy_slots,
                due=due_on.toordinal(),
                priority=forced is not None,
            )
        )
        ctx.people[person] = PersonInfo(person, fu_id, due_on, overdue, mode, _reason(due_on, first, c, mode, forced))


def _usual(modes: list) -> str:
    """The most frequent mode of the last appointments (the most recent on a tie), on site by default."""
    if not modes:
        return Mode.ON_SITE
    counts = Counter(modes)
    best = max(counts.values())
    return next(m for m in modes if counts[m] == best)


def _reason(due_on, first, c, mode, forced) -> str:
    bits = []
    if forced:
        bits.append(ANOTHER_SLOT_LABELS.get(forced[1], "à replacer"))
    elif due_on < first:
        bits.append(f"en retard, dû le {due_on:%d/%m}")
    else:
        bits.append(f"dû le {due_on:%d/%m}")
    if c:
        if c.day_part != DayPart.ANY:
            bits.append(DayPart(c.day_part).label.lower())
        if c.prefers != Preference.ANY:
            bits.append(Preference(c.prefers).label.lower())
        for d in sorted(c.weekdays_off):
            bits.append(f"pas le {Weekday(d).label}")
        if c.unavailable_from and c.unavailable_until:
            bits.append(f"indisponible de {c.unavailable_from:%H:%M} à {c.unavailable_until:%H:%M}")
    if mode == Mode.HOME:
        bits.append("à domicile, trajet compris")
    text = ", ".join(bits)
    return text[:1].upper() + text[1:]

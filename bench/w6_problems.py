"""Synthetic W6 problems shaped like BENCHMARKS §4.8, feasible by construction (no Django here).

An agency: ~10 counselors sharing `rooms` rooms of one place. A counselor: 10 working days × 10 slots of 45 min
(9:00–12:45, 13:30–17:15), 90 people. Each person first gets a *planted* slot (its appointment in a known
solution that respects everything: the counselor's free slots, two contiguous slots for a home visit, a free room
for on-site across the agency); then the problem is built around it: due date within ±3 days of the planted day
(a share overdue: due before the horizon, window = the whole horizon, as early as possible), 30 % of the other
slots unavailable for the person, morning/afternoon preferences (soft) and a few hard "mornings only /
afternoons only" consistent with the planted slot. So every problem has a solution with 0 unplaced: a planner
that leaves someone out on it has failed, not the data.
"""

import datetime
import random

from parcours.scheduling.solver import (
    AFTERNOON,
    ANY,
    HOME,
    MORNING,
    NOON,
    ON_SITE,
    PHONE,
    VIDEO,
    Agency,
    Person,
    Problem,
    Slot,
)

SLOT_MINUTES = 45
RANGES = ((9 * 60, 5), (13 * 60 + 30, 5))  # (start minute, slots)
WINDOW = 3
MODES = ((ON_SITE, 75), (PHONE, 13), (VIDEO, 7), (HOME, 5))


def working_days(start: datetime.date, count: int) -> list:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def counselor_slots(days: list, place: int) -> list:
    slots = []
    for day in days:
        for start, count in RANGES:
            for k in range(count):
                index = len(slots)
                slots.append(
                    Slot(
                        index=index,
                        day=day.toordinal(),
                        weekday=day.weekday(),
                        minute=start + k * SLOT_MINUTES,
                        place=place,
                        next_index=index + 1 if k + 1 < count else None,
                    )
                )
    return slots


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def make_agency(
    rng: random.Random,
    key: int,
    *,
    counselors: int = 10,
    rooms: int = 9,
    people: int = 90,
    days: int = 10,
    start: datetime.date = datetime.date(2026, 3, 2),
    unavailable: float = 0.3,
    overdue: float = 0.1,
) -> Agency:
    place = key
    dates = working_days(start, days)
    first, last = dates[0].toordinal(), dates[-1].toordinal()
    room_use: dict = {}
    problems = []
    for c in range(counselors):
        slots = counselor_slots(dates, place)
        order = list(range(len(slots)))
        rng.shuffle(order)
        used: set = set()
        persons = []
        for n in range(people):
            mode = _pick(rng, MODES)
            if mode == HOME and len(used) + 2 + (people - n - 1) > len(slots):
                mode = PHONE  # no room left in the day for the travel time of a home visit
            planted = None
            for i in order:
                if i in used:
                    continue
                s = slots[i]
                if mode == HOME:
                    if s.next_index is None or s.next_index in used:
                        continue
                elif mode == ON_SITE and room_use.get(s.room_key, 0) >= rooms:
                    continue
                planted = s
                break
            if planted is None:  # no slot left for this mode: a remote appointment instead
                mode = PHONE
                planted = next(slots[i] for i in order if i not in used)
            covered = (planted.index, planted.next_index) if mode == HOME else (planted.index,)
            used.update(covered)
            if mode == ON_SITE:
                room_use[planted.room_key] = room_use.get(planted.room_key, 0) + 1
            morning = planted.minute < NOON
            if rng.random() < overdue:
                due = first - rng.randint(1, 10)
                target, earliest, latest = first, first, last
            else:
                due = planted.day + rng.randint(-WINDOW, WINDOW)
                target = max(due, first)
                earliest, latest = max(due - WINDOW, first), min(due + WINDOW, last)
                if not earliest <= planted.day <= latest:  # the window is clipped by the horizon
                    earliest, latest = min(earliest, planted.day), max(latest, planted.day)
            busy = frozenset(i for i in range(len(slots)) if i not in covered and rng.random() < unavailable)
            r = rng.random()
            day_part = (MORNING if morning else AFTERNOON) if r < 0.1 else ANY
            prefers = ANY if r < 0.1 else (MORNING if r < 0.45 else AFTERNOON if r < 0.7 else ANY)
            persons.append(
                Person(
                    key=key * 100_000 + c * 1000 + n,
                    target=target,
                    earliest=earliest,
                    latest=latest,
                    mode=mode,
                    day_part=day_part,
                    prefers=prefers,
                    busy=busy,
                    due=due,
                )
            )
        problems.append(Problem(key=key * 100 + c, slots=slots, people=persons, slot_minutes=SLOT_MINUTES))
    capacity = {s.room_key: rooms for s in problems[0].slots} if problems else {}
    return Agency(key=key, problems=problems, rooms=capacity)


def make_territory(counselors: int, *, seed: int = 6, per_agency: int = 10, rooms: int = 9) -> list:
    rng = random.Random(seed)
    agencies, left, key = [], counselors, 1
    while left > 0:
        n = min(per_agency, left)
        agencies.append(make_agency(rng, key, counselors=n, rooms=min(rooms, max(1, n - 1))))
        left -= n
        key += 1
    return agencies

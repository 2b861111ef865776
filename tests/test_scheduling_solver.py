"""The pure planner (parcours.scheduling.solver): CP-SAT against the greedy baseline, rooms, constraints."""

import datetime
import random

from bench.w6_problems import make_agency, make_territory
from parcours.scheduling import solver
from parcours.scheduling.solver import HOME, MORNING, ON_SITE, PHONE, Agency, Person, Problem, Slot

DAY = datetime.date(2026, 3, 2).toordinal()  # a Monday


def slots(n, *, day=DAY, place=1, start=9 * 60, length=45):
    return [Slot(i, day, 0, start + i * length, place, True, i + 1 if i + 1 < n else None) for i in range(n)]


def person(key, **kw):
    kw.setdefault("target", DAY)
    kw.setdefault("earliest", DAY)
    kw.setdefault("latest", DAY)
    kw.setdefault("due", DAY)
    return Person(key=key, **kw)


def test_cpsat_places_everyone_where_greedy_leaves_someone_out_and_costs_less():
    # Two slots the same day. A is the most urgent (due the day before): the greedy gives A its cheapest slot,
    # the earlier one... which is the only slot B can take.
    problem = Problem(
        1,
        slots(2),
        [
            person(1, due=DAY - 1, ranges_off=()),
            person(2, busy=frozenset({1})),
        ],
    )
    problem.people[0] = person(1, due=DAY - 1, prefers=MORNING)
    problem.slots[1] = Slot(1, DAY, 0, 14 * 60, 1, True, None)  # the afternoon: A prefers mornings
    greedy = solver.greedy(problem)
    assert greedy.unplaced == [2]
    best = solver.solve_cpsat(problem)
    assert best.status == solver.OPTIMAL
    assert best.unplaced == []
    assert {(a.person, a.slot) for a in best.assignments} == {(1, 1), (2, 0)}
    assert best.cost < greedy.cost
    assert best.greedy_cost == greedy.cost


def test_constraints_are_hard_and_a_home_visit_takes_two_slots():
    problem = Problem(
        1,
        slots(8),  # 9:00 … 14:15 (45 min each)
        [
            person(1, day_part="afternoon"),  # 12:00 is the first afternoon slot (index 4)
            person(2, ranges_off=((9 * 60, 11 * 60),)),  # not before 11:00: 11:15 (index 3) or later
            person(3, mode=HOME),
            person(4, busy=frozenset(range(7))),  # only the last slot
        ],
    )
    result = solver.solve_cpsat(problem)
    assert result.unplaced == []
    got = {a.person: a for a in result.assignments}
    assert problem.slots[got[1].slot].minute >= 12 * 60
    assert problem.slots[got[2].slot].minute >= 11 * 60
    assert len(got[3].slots) == 2 and got[3].slots[1] == got[3].slots[0] + 1
    assert got[4].slot == 7
    taken = [i for a in result.assignments for i in a.slots]
    assert len(taken) == len(set(taken))  # never two appointments in one slot


def test_a_slot_not_free_is_never_used():
    s = slots(3)
    s[0] = Slot(0, DAY, 0, 9 * 60, 1, False, 1)  # holiday, absence or existing appointment
    problem = Problem(1, s, [person(k) for k in range(3)])
    for result in (solver.greedy(problem), solver.solve_cpsat(problem)):
        assert all(a.slot != 0 for a in result.assignments)
        assert len(result.unplaced) == 1


def test_rooms_of_a_place_are_never_double_booked_across_counselors():
    # Two counselors, one room: both have one on-site person who can only come at 9:00 or 9:45.
    problems = [Problem(c, slots(2), [person(c * 10, mode=ON_SITE), person(c * 10 + 1, mode=PHONE)]) for c in (1, 2)]
    rooms = {s.room_key: 1 for s in problems[0].slots}
    results = solver.solve_agency(Agency(1, problems, rooms))
    by_key = {p.key: p for p in problems}
    on_site = [next(a.slot for a in r.assignments if a.person == by_key[r.key].people[0].key) for r in results]
    assert sorted(on_site) == [0, 1]  # one at 9:00, the other at 9:45: never both in the only room
    assert all(not r.unplaced for r in results)


def test_w6_shaped_caseloads_cpsat_beats_greedy_and_places_everyone():
    # Five counselors sharing four rooms (W6: ten for nine). Feasible by construction (bench/w6_problems.py): CP-SAT
    # places everyone, the greedy does not, and costs at most 0.8 × greedy. (With rooms much scarcer, e.g. two
    # for three counselors, the per-counselor sequence can leave a few people out: see solver.solve_agency.)
    agency = make_agency(random.Random(3), 1, counselors=5, rooms=4)
    results = solver.solve_agency(agency, time_limit=5)
    assert sum(len(r.unplaced) for r in results) == 0
    assert sum(r.greedy_unplaced for r in results) > 0
    assert sum(r.cost for r in results) <= 0.8 * sum(r.greedy_cost for r in results)
    by_key = {p.key: p for p in agency.problems}
    for r in results:
        p = by_key[r.key]
        people = {q.key: q for q in p.people}
        for a in r.assignments:
            q, s = people[a.person], p.slots[a.slot]
            assert q.earliest <= s.day <= q.latest and a.slot not in q.busy


def test_territory_in_two_processes_gives_the_same_answers_as_one():
    agencies = make_territory(4, per_agency=2, rooms=1)
    one = {r.key: (r.cost, len(r.unplaced)) for r in solver.solve_territory(agencies, processes=1, method="greedy")}
    two = {r.key: (r.cost, len(r.unplaced)) for r in solver.solve_territory(agencies, processes=2, method="greedy")}
    assert one == two and len(two) == 4

"""The appointment planner, pure Python: dataclasses in, assignments out (no Django here).

One `Problem` per counselor: the slots of their horizon (free or not), the people due, each with a day window,
a mode and constraints. Two methods:

- `greedy()`: the baseline. People by due date (the most urgent first), each takes its cheapest allowed free
  slot (the earliest on a tie). Fast, but an early choice can take the only slot of someone later.
- `solve_cpsat()`: OR-Tools CP-SAT. One boolean per allowed (person, slot) pair only, AtMostOne per person, at
  most one appointment per slot (a home visit covers its slot and the next one: travel time), objective =
  distance to the due date + preference penalties + UNPLACED_COST per person left out. One search worker, a
  time limit, the greedy solution as fallback (and, optionally, as hint): the answer is never worse than it.

Decomposition (BENCHMARKS §3 and §4.8: one CP-SAT model over an agency of 40 counselors hits a 60 s limit with
no useful bound). Counselors are independent except for the rooms of a place, which several counselors share.
`solve_agency()` therefore solves the counselors of an agency **in sequence, with the remaining room capacity**:
a counselor only sees the (place, time) pairs where a room is still free, and their on-site appointments then
take a room each. Within one counselor the room is not a constraint of the model (a counselor holds at most one
appointment at a time), it only removes the full (place, time) pairs, so each model stays the small per-counselor
one. Why a sequence rather than a master problem: rooms rarely bind (an agency has about one room per counselor
and a share of appointments are by phone, video or at home), a sequence is deterministic, costs nothing more
than the independent solves, and the tightest caseloads (most people per free slot) go first so that the room
pressure falls on those with the most slack. `solve_territory()` spreads agencies over worker processes (the
agency is the unit, so room coordination never crosses a process).
"""

import dataclasses
import os
import pickle
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

ON_SITE, PHONE, HOME, VIDEO = "on_site", "phone", "home", "video"
ANY, MORNING, AFTERNOON = "any", "morning", "afternoon"

DAY_COST = 10  # per calendar day away from the due date
PREFERENCE_COST = 15  # a slot in the part of the day the person does not prefer
FREED_BONUS = 8  # a slot freed by a cancellation is worth filling first
UNPLACED_COST = 200  # per person left without a slot (more than any placement's cost)
PRIORITY_FACTOR = 10  # a priority person left out costs ten ordinary ones
NOON = 12 * 60  # a slot starting before noon is a morning slot

OPTIMAL, FEASIBLE, GREEDY, EMPTY = "optimal", "feasible", "greedy", "empty"


@dataclass(frozen=True)
class Slot:
    index: int  # position in the counselor's slot list, chronological
    day: int  # date ordinal (datetime.date.toordinal())
    weekday: int  # 0 = Monday
    minute: int  # start, minutes since midnight (local time)
    place: int | None = None  # where the counselor works then (on-site appointments need a room there)
    free: bool = True  # False: holiday, absence, existing appointment, past
    next_index: int | None = None  # the next slot of the same working range (a home visit takes both)
    bonus: bool = False  # freed by a cancellation

    @property
    def room_key(self):
        return (self.place, self.day, self.minute)


@dataclass
class Person:
    key: int
    target: int  # date ordinal aimed at (the due date, or the first day when overdue)
    earliest: int  # allowed days, ordinals, inclusive
    latest: int
    mode: str = ON_SITE
    day_part: str = ANY  # hard: mornings only / afternoons only
    prefers: str = ANY  # soft
    weekdays_off: frozenset = frozenset()  # weekdays the person cannot come
    ranges_off: tuple = ()  # (start_minute, end_minute) the person is never available (childcare…)
    busy: frozenset = frozenset()  # slot indices where the person already has something
    due: int = 0  # due date ordinal (for the order of the greedy and the reason shown)
    priority: bool = False  # asked for another slot or missed one: placed before anyone else when possible


@dataclass
class Problem:
    key: int  # counselor id
    slots: list
    people: list
    slot_minutes: int = 45


@dataclass
class Assignment:
    person: int
    slot: int  # first slot index
    cost: int
    slots: tuple = ()  # every slot index taken (two for a home visit)


@dataclass
class Result:
    key: int
    method: str
    status: str
    assignments: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)
    cost: int = 0  # placement costs + UNPLACED_COST per person left out
    greedy_cost: int | None = None
    greedy_unplaced: int | None = None
    seconds: float = 0.0
    greedy_seconds: float = 0.0
    variables: int = 0


# Allowed pairs and their cost ------------------------------------------------------------------------------


def span(problem: Problem, person: Person, slot: Slot) -> tuple | None:
    """Slot indices taken by `person` starting at `slot`, or None when the counselor cannot take them."""
    if not slot.free:
        return None
    if person.mode != HOME:
        return (slot.index,)
    nxt = slot.next_index
    if nxt is None or not problem.slots[nxt].free:
        return None
    return (slot.index, nxt)


def allowed(problem: Problem, person: Person, rooms=None) -> list:
    """[(slot index, cost, covered slot indices)] for every slot the person may take.

    `rooms`: remaining capacity per (place, day, minute); an on-site appointment needs a free room there.
    """
    out = []
    length = problem.slot_minutes
    for slot in problem.slots:
        if slot.day < person.earliest or slot.day > person.latest:
            continue
        if slot.index in person.busy or slot.weekday in person.weekdays_off:
            continue
        morning = slot.minute < NOON
        if (person.day_part == MORNING and not morning) or (person.day_part == AFTERNOON and morning):
            continue
        if any(slot.minute < end and start < slot.minute + length for start, end in person.ranges_off):
            continue
        covered = span(problem, person, slot)
        if covered is None or any(i in person.busy for i in covered):
            continue
        if person.mode == ON_SITE and rooms is not None and rooms.get(slot.room_key, 0) <= 0:
            continue
        cost = DAY_COST * abs(slot.day - person.target)
        if person.prefers != ANY and (person.prefers == MORNING) != morning:
            cost += PREFERENCE_COST
        if slot.bonus:
            cost = max(0, cost - FREED_BONUS)
        out.append((slot.index, cost, covered))
    return out


def total_cost(assignments, unplaced) -> int:
    return sum(a.cost for a in assignments) + UNPLACED_COST * len(unplaced)


def _order(people):
    return sorted(people, key=lambda p: (not p.priority, p.due, p.latest - p.earliest, p.key))


# Greedy baseline -------------------------------------------------------------------------------------------


def greedy(problem: Problem, rooms=None, candidates=None) -> Result:
    """Earliest best slot, person after person (the most urgent first)."""
    started = time.perf_counter()
    candidates = candidates or {p.key: allowed(problem, p, rooms) for p in problem.people}
    taken: set = set()
    assignments, unplaced = [], []
    for person in _order(problem.people):
        best = None
        for index, cost, covered in candidates[person.key]:
            if (best is None or cost < best[1]) and not any(i in taken for i in covered):
                best = (index, cost, covered)
        if best is None:
            unplaced.append(person.key)
            continue
        taken.update(best[2])
        assignments.append(Assignment(person.key, best[0], best[1], best[2]))
    seconds = time.perf_counter() - started
    cost = total_cost(assignments, unplaced)
    return Result(
        problem.key,
        "greedy",
        GREEDY if problem.people else EMPTY,
        assignments,
        unplaced,
        cost,
        greedy_cost=cost,
        greedy_unplaced=len(unplaced),
        seconds=seconds,
        greedy_seconds=seconds,
    )


# CP-SAT ----------------------------------------------------------------------------------------------------


def solve_cpsat(problem: Problem, *, rooms=None, time_limit: float = 1.0, hint: bool = False) -> Result:
    """CP-SAT for one counselor, never worse than the greedy solution (returned when CP-SAT finds nothing better).

    `hint=True` gives the greedy solution to CP-SAT as a hint. Measured on the W6 problems it makes the solve
    slower (0.12 s -> 0.21 s p50 per counselor: the search starts in the greedy's neighbourhood and needs longer to
    prove optimality), so it is off by default; the greedy stays the fallback and the quality floor.
    """
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    candidates = {p.key: allowed(problem, p, rooms) for p in problem.people}
    base = greedy(problem, rooms, candidates)
    if not problem.people:
        return dataclasses.replace(base, method="cpsat", seconds=time.perf_counter() - started)
    model = cp_model.CpModel()
    pairs = []  # (person key, slot index, cost, covered, var)
    per_slot = defaultdict(list)
    variables, coefficients = [], []
    for person in problem.people:
        own = []
        for index, cost, covered in candidates[person.key]:
            var = model.new_bool_var("")
            pairs.append((person.key, index, cost, covered, var))
            own.append(var)
            variables.append(var)
            # placing someone saves their cost of being left out
            coefficients.append(cost - UNPLACED_COST * (PRIORITY_FACTOR if person.priority else 1))
            for i in covered:
                per_slot[i].append(var)
        if len(own) > 1:
            model.add_at_most_one(own)
    for vars_ in per_slot.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    model.minimize(cp_model.LinearExpr.weighted_sum(variables, coefficients))
    if hint:
        chosen = {(a.person, a.slot) for a in base.assignments}
        for key, index, _cost, _covered, var in pairs:
            model.add_hint(var, (key, index) in chosen)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1  # parallelism is across counselors (processes), not inside one small model
    params.max_time_in_seconds = time_limit
    # Measured on the W6 problems (bench/w6_problems.py): the model is an assignment problem whose LP is
    # almost integral; presolve and lazy LP rows only delay the first LP bound (0.24 s -> 0.12 s per counselor).
    params.cp_model_presolve = False
    params.add_lp_constraints_lazily = False
    # Stop once within half an unplaced person's cost of the best bound: an answer that leaves out someone the
    # optimum places is at least UNPLACED_COST worse, so it is never accepted; the rest is a few day-shifts at most
    # (measured: cost +0.8 %, solve time -40 % on the W6 problems). Full LP relaxation: the bound comes sooner.
    params.absolute_gap_limit = UNPLACED_COST / 2 - 1
    params.linearization_level = 2
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # no solution in time: keep the greedy one
        return dataclasses.replace(base, method="cpsat", status=GREEDY, seconds=time.perf_counter() - started)
    assignments = [
        Assignment(key, index, cost, covered) for key, index, cost, covered, var in pairs if solver.boolean_value(var)
    ]
    placed = {a.person for a in assignments}
    unplaced = [p.key for p in problem.people if p.key not in placed]
    cost = total_cost(assignments, unplaced)
    if cost > base.cost:  # a time-limited FEASIBLE answer may be worse: never return worse than the baseline
        return dataclasses.replace(base, method="cpsat", status=GREEDY, seconds=time.perf_counter() - started)
    return Result(
        problem.key,
        "cpsat",
        OPTIMAL if code == cp_model.OPTIMAL else FEASIBLE,
        assignments,
        unplaced,
        cost,
        greedy_cost=base.cost,
        greedy_unplaced=len(base.unplaced),
        seconds=time.perf_counter() - started,
        greedy_seconds=base.seconds,
        variables=len(pairs),
    )


def solve(problem: Problem, *, method: str = "cpsat", rooms=None, time_limit: float = 1.0) -> Result:
    if method == "greedy":
        return greedy(problem, rooms)
    return solve_cpsat(problem, rooms=rooms, time_limit=time_limit)


# Agencies and territories ----------------------------------------------------------------------------------


@dataclass
class Agency:
    key: int
    problems: list
    rooms: dict  # (place, day, minute) -> rooms still free


def tightness(problem: Problem) -> float:
    free = sum(1 for s in problem.slots if s.free) or 1
    return len(problem.people) / free


def solve_agency(agency: Agency, *, method: str = "cpsat", time_limit: float = 1.0, passes: int = 3) -> list:
    """The counselors of one agency in sequence, each with the rooms the previous ones left (see the module).

    When someone is left out, the sequence is run again with the counselors who left people out first (up to
    `passes` orders), and the best order is kept: fewest unplaced, then lowest cost. It costs nothing when the
    first order places everyone (the usual case: rooms bind only when scarce).
    """
    order = sorted(agency.problems, key=lambda p: (-tightness(p), p.key))
    best = None
    for _ in range(passes):
        results = _sequence(agency, order, method, time_limit)
        score = (sum(len(r.unplaced) for r in results), sum(r.cost for r in results))
        if best is None or score < best[0]:
            best = (score, results)
        failed = {r.key for r in results if r.unplaced}
        if not failed:
            break
        order = [p for p in order if p.key in failed] + [p for p in order if p.key not in failed]
    return best[1]


def _sequence(agency: Agency, order: list, method: str, time_limit: float) -> list:
    rooms = dict(agency.rooms)
    results = []
    for problem in order:
        result = solve(problem, method=method, rooms=rooms, time_limit=time_limit)
        slots = problem.slots
        people = {p.key: p for p in problem.people}
        for a in result.assignments:
            if people[a.person].mode == ON_SITE:
                rooms[slots[a.slot].room_key] -= 1
        results.append(result)
    return results


def _balanced(agencies: list, parts: int) -> list:
    """Agencies into `parts` lists of about the same work (largest first, to the lightest list)."""
    buckets = [[] for _ in range(parts)]
    load = [0] * parts
    for agency in sorted(agencies, key=lambda a: -sum(len(p.people) for p in a.problems)):
        i = load.index(min(load))
        buckets[i].append(agency)
        load[i] += sum(len(p.people) for p in agency.problems) or 1
    return [b for b in buckets if b]


def solve_territory(agencies: list, *, processes: int = 2, method: str = "cpsat", time_limit: float = 1.0) -> list:
    """Every agency, spread over `processes` child processes (python -m parcours.scheduling.solver).

    Child processes rather than multiprocessing: a task-queue worker is itself a daemonic process, which
    multiprocessing forbids to have children. The payload is pickled on stdin/stdout (our own data only).
    """
    if processes <= 1 or len(agencies) <= 1:
        return [r for agency in agencies for r in solve_agency(agency, method=method, time_limit=time_limit)]
    children = []
    for chunk in _balanced(agencies, processes):
        proc = subprocess.Popen(
            [sys.executable, "-m", "parcours.scheduling.solver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": _root()},
        )
        payload = pickle.dumps((chunk, method, time_limit))
        proc.stdin.write(payload)
        proc.stdin.close()
        children.append(proc)
    results = []
    for proc in children:
        out = proc.stdout.read()
        if proc.wait() != 0:
            raise RuntimeError(f"Le processus de planification s'est arrêté (code {proc.returncode}).")
        results += pickle.loads(out)
    return results


def _root() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    extra = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{extra}" if extra else root


def _child() -> None:
    chunk, method, time_limit = pickle.loads(sys.stdin.buffer.read())
    results = [r for agency in chunk for r in solve_agency(agency, method=method, time_limit=time_limit)]
    sys.stdout.buffer.write(pickle.dumps(results))


if __name__ == "__main__":
    # Run the module's own functions (not __main__'s copies), so that the results unpickle in the parent.
    from parcours.scheduling.solver import _child as child

    child()

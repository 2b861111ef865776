"""Sizes of the demo département (BENCHMARKS.md §6.1)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    name: str
    counselors: int  # CIP référents
    people_per_counselor: int
    history_days: int  # appointments kept in the past
    agencies: int

    @property
    def people(self) -> int:
        return self.counselors * self.people_per_counselor


TIERS = {
    # A small département: 10 counselors, 900 people, six months of history.
    "S": Tier("S", counselors=10, people_per_counselor=90, history_days=182, agencies=2),
    # The Seine-Saint-Denis at the 1:90 target: 1,111 counselors, 100,000 people, a year of appointments.
    "M": Tier("M", counselors=1111, people_per_counselor=90, history_days=365, agencies=22),
    # National: 2.1 M people (on demand only).
    "L": Tier("L", counselors=23334, people_per_counselor=90, history_days=365, agencies=400),
}

DEMO_PASSWORD = "demo-parcours-2026"
DEMO_DOMAIN = "demo.parcours.test"

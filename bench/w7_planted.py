"""The labelled set of W7 (bench/w7_linkage.py): known people and incoming rows with planted duplicates.

Names are drawn from Faker's name lists of several locales (the origins found in Seine-Saint-Denis), weighted
like real name frequencies (a few names are very common), so that people born the same day often share a last
name or a first name: the blocking and the scoring meet realistic collisions, not only the planted ones.
"""

import datetime
import importlib
import random
import uuid

import numpy as np

from parcours.intake.matching import Incoming
from parcours.people.identity import PARTICLES, block_keys, name_key
from parcours.people.models import nir_index

# (Faker locale, share of the population)
LOCALES = (
    ("fr_FR", 48),
    ("fr_DZ", 16),
    ("pt_PT", 7),
    ("es_ES", 5),
    ("it_IT", 4),
    ("tr_TR", 4),
    ("fr_BE", 5),
    ("yo_NG", 4),
    ("ig_NG", 2),
    ("ha_NG", 2),
    ("vi_VN", 3),
)
FIRST_DAY = datetime.date(1958, 1, 1)
DAYS = 17_500  # born 1958–2005
COMPOUND_FIRST = 0.08
COMPOUND_LAST = 0.04
BIRTH_NAME = 0.3  # of women
SHARES = {"nir": 0.85, "caf": 0.6, "ft": 0.4, "internal": 0.3}
# Incoming rows: (kind, share). exact_*: found by an identifier; the others carry no identifier but names, sex and
# birth date; new_*: people not known (the last three look like a known person on purpose).
KINDS = (
    ("exact_nir15", 8),
    ("exact_nir13", 5),
    ("exact_caf", 5),
    ("exact_ft", 4),
    ("exact_internal", 3),
    ("missing_nir", 6),
    ("accents", 5),
    ("typo_last", 7),
    ("typo_first", 7),
    ("swapped", 5),
    ("birth_name", 5),
    ("compound", 5),
    ("new", 19),
    ("new_sibling", 9),
    ("new_twin_other_sex", 4),
    ("new_namesake_other_nir", 3),
)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _pool(names_by_locale: list) -> tuple[list, list, np.ndarray]:
    """Display names, their keys and probabilities (locale share × Zipf-like rank weight)."""
    names, weights = {}, {}
    for share, names_of_locale in names_by_locale:
        unique = [n for n in dict.fromkeys(names_of_locale) if name_key(n)]
        ranks = np.arange(len(unique))
        w = 1 / (ranks + 8)
        w = share * w / w.sum()
        for name, weight in zip(unique, w, strict=True):
            names.setdefault(name, len(names))
            weights[name] = weights.get(name, 0) + weight
    display = list(names)
    p = np.array([weights[n] for n in display])
    return display, [name_key(n) for n in display], p / p.sum()


def pools():
    last, female, male = [], [], []
    for locale, share in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        last.append((share, list(provider.last_names)))
        female.append((share, list(provider.first_names_female)))
        male.append((share, list(provider.first_names_male)))
    return _pool(last), _pool(female), _pool(male)


class Population:
    """Known people (ids 1..known) and incoming rows (1..incoming) with their labels (kind, known id or None)."""

    # What rows() gives, in this order (people.Beneficiary attribute names).
    COLUMNS = (
        "id",
        "public_id",
        "first_name",
        "last_name",
        "birth_name",
        "sex",
        "birth_date",
        "nir_index",
        "caf_number",
        "household_role",
        "france_travail_id",
        "internal_id",
        "first_key",
        "last_key",
        "birth_key",
    )

    def __init__(self, known: int, incoming: int, *, seed: int):
        self.n = known
        self.np = np.random.default_rng(seed)
        self.rng = random.Random(seed)
        self.last, self.female, self.male = pools()
        self.days = [FIRST_DAY + datetime.timedelta(days=d) for d in range(DAYS)]
        g = self.np
        self.sex = g.random(known) < 0.5  # True: woman
        women = int(self.sex.sum())
        self.first = np.empty(known, dtype=np.int32)
        self.first[self.sex] = g.choice(len(self.female[0]), size=women, p=self.female[2])
        self.first[~self.sex] = g.choice(len(self.male[0]), size=known - women, p=self.male[2])
        self.first2 = np.full(known, -1, dtype=np.int32)
        compound = g.random(known) < COMPOUND_FIRST
        self.first2[compound & self.sex] = g.choice(len(self.female[0]), size=int((compound & self.sex).sum()))
        self.first2[compound & ~self.sex] = g.choice(len(self.male[0]), size=int((compound & ~self.sex).sum()))
        self.first2[self.first2 == self.first] = -1
        self.surname = g.choice(len(self.last[0]), size=known, p=self.last[2])
        self.surname2 = np.where(
            g.random(known) < COMPOUND_LAST, g.choice(len(self.last[0]), size=known, p=self.last[2]), -1
        )
        self.surname2[self.surname2 == self.surname] = -1
        self.birth = np.where(
            self.sex & (g.random(known) < BIRTH_NAME), g.choice(len(self.last[0]), size=known, p=self.last[2]), -1
        )
        self.birth[self.birth == self.surname] = -1
        self.day = g.integers(0, DAYS, size=known)
        self.has = {key: g.random(known) < share for key, share in SHARES.items()}
        self.incomings, self.labels = [], []
        self.plant(incoming)

    # --- known people ---------------------------------------------------------------------------------------

    def first_pool(self, woman: bool):
        return self.female if woman else self.male

    def names(self, i: int) -> tuple:
        """(first name, last name, birth name) of known person i (0-based), displayed."""
        pool = self.first_pool(self.sex[i])[0]
        first = pool[self.first[i]] + (f"-{pool[self.first2[i]]}" if self.first2[i] >= 0 else "")
        last = self.last[0][self.surname[i]] + (f" {self.last[0][self.surname2[i]]}" if self.surname2[i] >= 0 else "")
        birth = self.last[0][self.birth[i]] if self.birth[i] >= 0 else ""
        return first, last, birth

    def keys(self, i: int) -> tuple:
        """(first key, last key, birth key) of known person i."""
        pool = self.first_pool(self.sex[i])[1]
        first = pool[self.first[i]] + (f" {pool[self.first2[i]]}" if self.first2[i] >= 0 else "")
        last = self.last[1][self.surname[i]] + (f" {self.last[1][self.surname2[i]]}" if self.surname2[i] >= 0 else "")
        birth = self.last[1][self.birth[i]] if self.birth[i] >= 0 else ""
        return first, last, birth

    def nir(self, i: int, *, woman: bool, day: int) -> str:
        born = self.days[day]
        return f"{2 if woman else 1}{born.year % 100:02d}{born.month:02d}{i:08d}"

    def rows(self, *, sqlite: bool):
        for i in range(self.n):
            first, last, birth = self.names(i)
            first_key, last_key, birth_key = self.keys(i)
            woman = bool(self.sex[i])
            public_id = uuid.UUID(int=i + 1)
            yield (
                i + 1,
                public_id.hex if sqlite else str(public_id),
                first,
                last,
                birth,
                "f" if woman else "m",
                self.days[self.day[i]].isoformat(),
                nir_index(self.nir(i, woman=woman, day=self.day[i])) if self.has["nir"][i] else "",
                f"{1_000_000 + i}" if self.has["caf"][i] else "",
                "applicant",
                f"FT{i:09d}" if self.has["ft"][i] else "",
                f"D93-{i:09d}" if self.has["internal"][i] else "",
                first_key,
                last_key,
                birth_key,
            )

    def match_keys(self):
        """(beneficiary id, block) of every known person, with the product's own function."""
        for i in range(self.n):
            first, last, birth = self.keys(i)
            for block in sorted(block_keys(self.days[self.day[i]], last, first, birth)):
                yield i + 1, block

    # --- incoming rows ----------------------------------------------------------------------------------------

    def pick(self, used: set, condition=None) -> int:
        while True:
            i = self.rng.randrange(self.n)
            if i not in used and (condition is None or condition(i)):
                used.add(i)
                return i

    def typo(self, key: str) -> str:
        """One random edit (substitution, deletion, insertion, transposition) in one word of a name key."""
        words = key.split()
        candidates = [n for n, w in enumerate(words) if len(w) >= 3] or list(range(len(words)))
        n = self.rng.choice(candidates)
        word = words[n]
        while True:
            at = self.rng.randrange(len(word))
            op = self.rng.choice("sdit")
            if op == "s":
                new = word[:at] + self.rng.choice(LETTERS) + word[at + 1 :]
            elif op == "d" and len(word) > 2:
                new = word[:at] + word[at + 1 :]
            elif op == "i":
                new = word[:at] + self.rng.choice(LETTERS) + word[at:]
            elif op == "t" and at < len(word) - 1:
                new = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            else:
                continue
            if new != word:
                words[n] = new
                return " ".join(words)

    def other_first(self, woman: bool, than: str) -> str:
        keys, p = self.first_pool(woman)[1], self.first_pool(woman)[2]
        while True:
            key = keys[self.np.choice(len(keys), p=p)]
            if key != than and key not in than.split():
                return key

    def plant(self, count: int) -> None:
        kinds = [k for k, _ in KINDS]
        weights = [w for _, w in KINDS]
        used: set = set()
        next_nir = self.n
        for row in range(1, count + 1):
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "new":
                woman = self.rng.random() < 0.5
                pool = self.first_pool(woman)
                first = pool[1][self.np.choice(len(pool[1]), p=pool[2])]
                last = self.last[1][self.np.choice(len(self.last[1]), p=self.last[2])]
                day = self.rng.randrange(DAYS)
                nir = ""
                if self.rng.random() < 0.5:
                    nir, next_nir = self.nir(next_nir, woman=woman, day=day), next_nir + 1
                self.add(row, kind, None, first, last, "", woman, day, nir_index=nir_index(nir))
                continue
            need = {
                "exact_nir15": "nir",
                "exact_nir13": "nir",
                "exact_caf": "caf",
                "exact_ft": "ft",
                "exact_internal": "internal",
                "new_namesake_other_nir": "nir",
            }.get(kind)
            if kind == "birth_name":
                i = self.pick(used, lambda i: self.birth[i] >= 0)
            elif kind == "compound":
                i = self.pick(used, lambda i: self.first2[i] >= 0 or self.surname2[i] >= 0 or self.rng.random() < 0.3)
            else:
                i = self.pick(used, (lambda i, need=need: self.has[need][i]) if need else None)
            self.plant_one(row, kind, i, other_nir=self.nir(next_nir, woman=bool(self.sex[i]), day=self.day[i]))
            next_nir += 1

    def plant_one(self, row: int, kind: str, i: int, *, other_nir: str) -> None:
        first, last, birth = self.keys(i)
        woman, day, truth = bool(self.sex[i]), int(self.day[i]), i + 1
        extra = {}
        nir = self.nir(i, woman=woman, day=day)
        if kind.startswith("exact"):
            if self.rng.random() < 0.1:  # identifiers do not need the names to agree
                last = self.typo(last)
            extra = {
                "exact_nir15": {"nir_index": nir_index(nir + "42")},
                "exact_nir13": {"nir_index": nir_index(nir)},
                "exact_caf": {"caf_number": f"{1_000_000 + i}"},
                "exact_ft": {"france_travail_id": f"FT{i:09d}"},
                "exact_internal": {"internal_id": f"D93-{i:09d}"},
            }[kind]
        elif kind == "typo_last":
            last = self.typo(last)
        elif kind == "typo_first":
            first = self.typo(first)
        elif kind == "swapped":
            first, last = last, first
        elif kind == "birth_name":
            last, birth = birth, ""
        elif kind == "compound":
            if " " in first:
                first = first.split()[0]
            elif " " in last:
                last = self.rng.choice([w for w in last.split() if w not in PARTICLES] or last.split())
            else:
                first = f"{first} {self.other_first(woman, first)}"
        elif kind == "new_sibling":
            first, truth = self.other_first(woman, first), None
        elif kind == "new_twin_other_sex":
            woman, truth = not woman, None
            first = self.other_first(woman, first)
        elif kind == "new_namesake_other_nir":
            extra, truth = {"nir_index": nir_index(other_nir)}, None
        elif kind == "accents":  # as a flux writes them: upper case, no accents, no hyphens
            first, last, birth = (name_key(n.upper().replace("-", " ")) for n in self.names(i))
        sex_known = kind.startswith(("exact", "new_twin", "new_namesake")) or self.rng.random() < 0.9
        self.add(row, kind, truth, first, last, birth, woman if sex_known else None, day, **extra)

    def add(self, row, kind, truth, first, last, birth, woman, day, **extra) -> None:
        self.incomings.append(
            Incoming(
                row=row,
                first_key=first,
                last_key=last,
                birth_key=birth,
                birth_date=self.days[day],
                sex="" if woman is None else ("f" if woman else "m"),
                **extra,
            )
        )
        self.labels.append((kind, truth))

"""Normalised names and blocking keys for matching people (intake, search)."""

import re
import unicodedata

from rapidfuzz.distance import OSA, JaroWinkler

_NOT_LETTER = re.compile(r"[^A-Z]+")


def name_key(value: str) -> str:
    """Upper-case ASCII letters, words separated by one space: « Lefèvre-D'Aubigné » → « LEFEVRE D AUBIGNE »."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()
    return _NOT_LETTER.sub(" ", text).strip()


def name_words(*keys: str) -> set[str]:
    """The words of normalised names (see name_key); one-letter words (initials, « D' ») are left out."""
    return {word for key in keys if key for word in key.split() if len(word) > 1}


def block_keys(birth_date, last_key: str, first_key: str, birth_key: str = "") -> set[str]:
    """Blocking keys of duplicate detection (people.MatchKey): the birth date (YYYYMMDD) with the first two letters
    of each name word (« 19800131MA »), and with its last two letters (« 19800131-IN »).

    Which name a word comes from does not matter, so swapped first and last names, a birth name used as the last
    name or one word of a compound name still share keys; one typo leaves either the start or the end of the word
    intact, so a duplicate with one typo shares at least two keys with its file (the matcher requires two).
    No birth date, no key: such a person is only found by exact identifiers."""
    if not birth_date:
        return set()
    day = birth_date.strftime("%Y%m%d") if hasattr(birth_date, "strftime") else str(birth_date).replace("-", "")
    keys = set()
    for word in name_words(last_key, first_key, birth_key):
        keys.add(day + word[:2])
        keys.add(f"{day}-{word[-2:]}")
    return keys


# Kinds of likeness between two normalised names (people.identity.name_likeness).
SAME, COMPOUND, TYPO, FAR = "same", "compound", "typo", "far"
COMPOUND_SCORE = 0.95  # one name is some of the words of the other (« JEAN » / « JEAN PIERRE »)
TYPO_SCORE = 0.9  # at most one edit apart (substitution, insertion, deletion or transposition)
FAR_CAP = 0.75  # two edits or more: siblings' first names (« MARIE » / « MARION ») are not typos


def name_likeness(a: str, b: str) -> tuple[float, str]:
    """How alike two normalised names are (0–1) and why: Jaro-Winkler, raised for one word of a compound name or
    one typo, capped when two edits or more separate them. Spaces do not count (« LE FEVRE » = « LEFEVRE »)."""
    if not a or not b:
        return 0.0, FAR
    if a == b:
        return 1.0, SAME
    a_joined, b_joined = a.replace(" ", ""), b.replace(" ", "")
    if a_joined == b_joined:
        return 1.0, SAME
    if (" " in a or " " in b) and _compound(a, b):
        return COMPOUND_SCORE, COMPOUND
    similarity = JaroWinkler.normalized_similarity(a_joined, b_joined)
    if OSA.distance(a_joined, b_joined, score_cutoff=1) <= 1:
        return max(similarity, TYPO_SCORE), TYPO
    return min(similarity, FAR_CAP), FAR


def _compound(a: str, b: str) -> bool:
    words_a, words_b = name_words(a), name_words(b)
    smaller, larger = sorted((words_a, words_b), key=len)
    return bool(smaller) and smaller <= larger and max(map(len, smaller)) >= 3

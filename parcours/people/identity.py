"""Normalised names and blocking keys for matching people (intake, search)."""

import functools
import re
import unicodedata

from rapidfuzz.distance import OSA, JaroWinkler

_NOT_LETTER = re.compile(r"[^A-Z]+")
# Letters that Unicode does not decompose into an ASCII letter and an accent (upper case: see name_key).
_LIGATURES = str.maketrans({"Œ": "OE", "Æ": "AE", "Ø": "O", "Đ": "D", "Ð": "D", "Ł": "L", "Þ": "TH", "Ħ": "H"})


def name_key(value: str) -> str:
    """Upper-case ASCII letters, words separated by one space: « Lefèvre-D'Aubigné » → « LEFEVRE D AUBIGNE ».

    Upper-casing comes first, so that « Kızıltunç » and « KIZILTUNÇ » (Turkish dotless ı), « Strauß » and
    « STRAUSS » give the same key; « Œ », « Æ »… are spelt out (« Cœur » → « COEUR »)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value.upper().translate(_LIGATURES)).encode("ascii", "ignore").decode()
    return _NOT_LETTER.sub(" ", text).strip()


def name_words(*keys: str) -> set[str]:
    """The words of normalised names (see name_key); one-letter words (initials, « D' ») are left out."""
    return {word for key in keys if key for word in key.split() if len(word) > 1}


BLOCK_PREFIX = 4  # letters of a name word in a blocking key: 8 (date) + 4 = MatchKey.block's 12 characters


def block_keys(birth_date, last_key: str, first_key: str, birth_key: str = "") -> set[str]:
    """Blocking keys of duplicate detection (people.MatchKey): the birth date (YYYYMMDD) with the first four letters
    of each name word (« 19800131MART », « 19800131JEAN »), the whole word when shorter.

    Which name a word comes from does not matter, so swapped first and last names, a birth name used as the last
    name or one word of a compound name still share a key; a typo changes one word, the other names still share
    theirs. Four letters, not two: at 2 million people, two letters gave 11 candidates per row (« MA » of MARTIN,
    MARIE, MATHIEU…), four give 2. No birth date, no key: such a person is only found by exact identifiers."""
    if not birth_date:
        return set()
    day = (birth_date.isoformat() if hasattr(birth_date, "isoformat") else str(birth_date)).replace("-", "")
    return {day + word[:BLOCK_PREFIX] for word in name_words(last_key, first_key, birth_key)}


# Kinds of likeness between two normalised names (people.identity.name_likeness).
SAME, COMPOUND, TYPO, FAR = "same", "compound", "typo", "far"
COMPOUND_SCORE = 0.95  # one name is some of the words of the other (« JEAN » / « JEAN PIERRE »)
TYPO_SCORE = 0.9  # at most one edit apart (substitution, insertion, deletion or transposition)
FAR_CAP = 0.75  # two edits or more: siblings' first names (« MARIE » / « MARION ») are not typos


@functools.lru_cache(maxsize=1 << 16)  # a few thousand frequent names make most of the pairs
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


# Particles of names: alone, they are no part of a compound name (« DA » is not « DA SILVA »).
PARTICLES = frozenset({"DE", "DU", "DES", "LA", "LE", "LES", "DA", "DAS", "DO", "DOS", "DI", "DEL", "DELLA", "VAN"})
PARTICLES |= {"VON", "DER", "DEN", "TER", "EL", "AL", "BEN", "BENT", "BOU", "AIT", "OULD", "MAC", "MC", "SAINT"}


def _compound(a: str, b: str) -> bool:
    words_a, words_b = name_words(a), name_words(b)
    smaller, larger = sorted((words_a, words_b), key=len)
    return bool(smaller - PARTICLES) and smaller <= larger

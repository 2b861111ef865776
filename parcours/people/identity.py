"""Normalised names and blocking keys for matching people (intake, search)."""

import re
import unicodedata

_NOT_LETTER = re.compile(r"[^A-Z]+")


def name_key(value: str) -> str:
    """Upper-case ASCII letters, words separated by one space: « Lefèvre-D'Aubigné » → « LEFEVRE D AUBIGNE »."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()
    return _NOT_LETTER.sub(" ", text).strip()

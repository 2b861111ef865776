"""What the intake parsers yield (CAF/MSA flux, spreadsheets): the shared contract of issue 4.

A parser streams its file and yields, in file order, one ``Record`` per person it could read and one
``Rejection`` per element it could not; the same file always yields the same sequence (the engine resumes a
batch by skipping the rows already done). A file that cannot be read at all raises ``Unreadable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Record:
    """One person read from a file, with her household's facts.

    ``person`` holds Beneficiary fields, typed: first_name, last_name, birth_name, sex ("f"/"m"), birth_date
    (date), email, phone, address_line, commune_insee (INSEE code) or postal_code + town, nir (compact, 13 or 15
    characters), caf_number, household_role (HouseholdRole value), france_travail_id, internal_id,
    rights_and_duties (bool), homeless (bool). Only the keys present in the source appear: an absent key means
    "the source says nothing", the stored value is kept.

    ``household`` holds Household fields, typed: caf_number, caf_body, rsa_status (RsaStatus value), rsa_since,
    rsa_request_number, suspension_reason, suspended_since, closure_reason, closed_on.
    """

    row: int  # flux: rank of the person in the file (1-based); sheet: line number in the file (header = 1)
    place: str  # French, for messages: "ligne 12" / "foyer n° 3 (matricule 2089564), personne n° 2"
    person: dict = field(default_factory=dict)
    household: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the values as read ({column or element name: text})


@dataclass(slots=True)
class Rejection:
    """An element of the file that could not be read as a person; the reading goes on."""

    row: int
    place: str
    reason: str  # French: "Date de naissance illisible : « 31/02/1980 »"
    raw: dict = field(default_factory=dict)


class Unreadable(Exception):
    """The file cannot be read at all; ``str(exc)`` is a French message for the user."""

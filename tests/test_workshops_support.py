"""Builders shared by the workshop and activity tests (no test here): a series of organisation X, sessions,
people followed by the CIP, a catalogue service and a referral written straight in the database."""

import datetime
import re
import uuid
import zlib

from django.utils import timezone

from parcours.catalogue.models import Service, Structure
from parcours.orientation.enums import Parcours
from parcours.orientation.services import open_follow_up
from parcours.referrals.enums import ReferralStatus
from parcours.referrals.models import Referral
from parcours.workshops import services
from tests.world import person


def make_series(world, *, title="Se présenter à un employeur", kind="workshop", service=None, organization=None):
    return services.create_series(
        organization=organization or world.org_x, by=world["cip"], title=title, kind=kind, service=service
    )


def make_session(series, *, capacity=2, starts_in=datetime.timedelta(days=2), hours=3, place_label="Agence T1"):
    starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    return services.add_session(
        series,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        capacity=capacity,
        place_label=place_label,
        facilitator_name="Léa Formatrice",
    )


def running_session(series, *, capacity=2):
    """A session that began an hour ago and ends in two hours: open to registration and to attendance."""
    return make_session(series, capacity=capacity, starts_in=-datetime.timedelta(hours=1), hours=3)


def followed_people(world, count, *, prefix="Personne", referent="cip"):
    """`count` people of département A followed in X by `referent` (so in the CIP's caseload by default)."""
    people = []
    for i in range(count):
        p = person(world.dept_a, f"{prefix}{i}", f"Nom{chr(65 + i)}")
        open_follow_up(
            p, by=world[referent], parcours=Parcours.PRO, organization=world.org_x, referent=world[referent]
        )
        people.append(p)
    return people


def make_service(world, *, weekly_hours=10.0, name="Chantier d'insertion bâtiment"):
    key = uuid.uuid4().hex[:12]
    structure = Structure.objects.create(name="Chantier Y", source_id=f"test--{key}", organization=world.org_y)
    return Service.objects.create(
        structure=structure,
        name=name,
        description="Remobilisation",
        source_id=f"svc--{key}",
        weekly_hours=weekly_hours,
    )


def make_referral(world, beneficiary, service, *, status=ReferralStatus.STARTED, started_on=None, **dates):
    now = timezone.now()
    return Referral.objects.create(
        department=beneficiary.department,
        beneficiary=beneficiary,
        service=service,
        sent_by=world["cip"],
        consent_at=now,
        consent_by=world["cip"],
        expires_at=now + datetime.timedelta(days=30),
        link_expires_at=now + datetime.timedelta(days=8),
        status=status,
        started_on=started_on,
        **dates,
    )


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes: backslash escapes (\\n, \\(, \\\\, octal \\ddd) resolved in one pass."""

    def one(match):
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


# --- Reading the text of a PDF written by fpdf2 with a TrueType font --------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text shown by an fpdf2 PDF: the strings of its (Flate or plain) content streams, their glyph ids mapped
    back to characters through each font's ToUnicode table in turn (one reading per font: the strings written in
    the other font read as noise)."""
    streams = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.S):
        header, body = match.groups()
        streams.append(zlib.decompress(body) if b"FlateDecode" in header else body)
    mappings = []
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            pairs = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
            mappings.append({int(code, 16): bytes.fromhex(uni.decode()).decode("utf-16-be") for code, uni in pairs})
    literal = rb"\((?:[^\\)]|\\.)*\)"
    runs = re.compile(rb"(" + literal + rb")\s*Tj|\[((?:" + literal + rb"|[^\]()])*)\]\s*TJ", re.S)
    strings = []  # one per text run: a Tj string, or the strings of a TJ array (justified text) put together
    for stream in streams:
        for single, array in runs.findall(stream):
            parts = [single] if single else re.findall(literal, array, re.S)
            strings.append(b"".join(_unescape(part[1:-1]) for part in parts))
    return "\n".join(
        "".join(mapping.get(int.from_bytes(raw[i : i + 2], "big"), "?") for i in range(0, len(raw), 2))
        for mapping in mappings
        for raw in strings
    )

"""Field-level rules (SECURITY T-B3) and the access log of sensitive sections (T-C1, T-C2).

Alice's file carries a unique canary string in each section (tests/world.py). For every persona allowed to open
her file, the file page and the printable summary show exactly the canaries TEAM_SECTIONS / ROLE_SECTIONS allow:
never more (a leak), never less (a broken page would pass a "never more" test on its own).
"""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.journal.models import AccessLog, Section
from parcours.journal.services import log_reads
from parcours.organizations.enums import OrganizationKind, TerritoryKind
from parcours.organizations.models import Organization, Territory
from tests.world import ALICE_NIR, ALICE_NIR_FORMATTED, ALICE_NIR_MASKED, CANARY

NIR_MASKED = "nir_masked"
ALL = {NIR_MASKED, *CANARY}
SOCIO_PRO = {"diagnostic", "goal"}
TEAM_NOTES = {"team_note"}

# What each persona reads on Alice's file page.
FILE_PAGE = {
    # CIP (referent) and social worker: every section but the other professions' private notes.
    "cip": {NIR_MASKED, "health", "health_barrier", "justice", "cip_note", *TEAM_NOTES, *SOCIO_PRO},
    "social_worker": {NIR_MASKED, "health", "health_barrier", "justice", *TEAM_NOTES, *SOCIO_PRO},
    # Psychologist in the team: health, not NIR nor justice; their profession's private notes.
    "psychologist": {"health", "health_barrier", "psy_note", *TEAM_NOTES, *SOCIO_PRO},
    "digital_advisor": {*TEAM_NOTES, *SOCIO_PRO},  # socio-pro without the health frein
    "socio_esthetician": {*TEAM_NOTES},  # identity only
    # Roles outside the team: identity and socio-pro, no sensitive section, no notes at all.
    "agency_head": {*SOCIO_PRO},
    "orientation_officer": {*SOCIO_PRO},
}
# The printable summary shows the contract (socio-pro), never a sensitive section nor a note.
SUMMARY_PAGE = {persona: seen & {"goal"} for persona, seen in FILE_PAGE.items()}

# One access-log row per sensitive section shown on the file page.
LOGGED_SECTIONS = {
    "cip": {Section.NIR, Section.HEALTH, Section.JUSTICE, Section.PRIVATE_NOTES},
    "social_worker": {Section.NIR, Section.HEALTH, Section.JUSTICE, Section.PRIVATE_NOTES},
    "psychologist": {Section.HEALTH, Section.PRIVATE_NOTES},
    "digital_advisor": {Section.PRIVATE_NOTES},
    "socio_esthetician": {Section.PRIVATE_NOTES},
    "agency_head": set(),
    "orientation_officer": set(),
}


def canaries_in(html: str) -> set:
    found = {key for key, value in CANARY.items() if value in html}
    if ALICE_NIR_MASKED in html:
        found.add(NIR_MASKED)
    return found


def page(client, name, world):
    response = client.get(reverse(name, args=[world.alice.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice" in html  # the page really is Alice's
    return html


@pytest.mark.parametrize("persona", sorted(FILE_PAGE))
def test_file_page_shows_exactly_the_allowed_sections(persona, world, client_for):
    html = page(client_for(persona), "web:person", world)
    assert canaries_in(html) == FILE_PAGE[persona], f"{persona}: sections vues ≠ sections permises"
    # The NIR itself is never printed in full, whoever reads the page.
    assert ALICE_NIR not in html and ALICE_NIR_FORMATTED not in html


@pytest.mark.parametrize("persona", sorted(SUMMARY_PAGE))
def test_printable_summary_shows_exactly_the_allowed_sections(persona, world, client_for):
    html = page(client_for(persona), "web:person-summary", world)
    assert canaries_in(html) == SUMMARY_PAGE[persona]
    assert ALICE_NIR not in html and ALICE_NIR_FORMATTED not in html


def test_the_cip_never_sees_the_psychologist_private_note_even_after_writing(world, client_for):
    """The CIP's own htmx answer (the refreshed notes section) must not carry the psychologist's note either."""
    client = client_for("cip")
    response = client.post(
        reverse("web:note-create", args=[world.alice.public_id]),
        {"body": "Point etape du jour", "visibility": "team"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Point etape du jour" in html
    assert CANARY["psy_note"] not in html
    assert CANARY["team_note"] in html


@pytest.mark.parametrize("persona", ["psychologist_out", "cip_out", "cip_b"])
def test_people_outside_the_team_see_no_canary_and_leave_no_log(persona, world, client_for):
    client = client_for(persona)
    for name in ("web:person", "web:person-summary"):
        response = client.get(reverse(name, args=[world.alice.public_id]))
        assert response.status_code == 404
        assert canaries_in(response.content.decode()) == set()
    assert not AccessLog.objects.filter(actor=world[persona]).exists()


def test_ended_and_inactive_team_members_read_nothing(world, client_for):
    """Still listed in Alice's team, but the membership ended yesterday / the account is deactivated."""
    ended = client_for("ended").get(reverse("web:person", args=[world.alice.public_id]))
    assert ended.status_code == 403
    inactive = client_for("inactive").get(reverse("web:person", args=[world.alice.public_id]))
    assert inactive.status_code == 302 and inactive["Location"].startswith(reverse("web:login"))
    for response in (ended, inactive):
        assert canaries_in(response.content.decode()) == set()


@pytest.mark.parametrize(
    ("profession", "where"),
    [
        (Profession.AGENCY_HEAD, "other_departement"),
        (Profession.AGENCY_HEAD, "other_territory"),
        (Profession.ORIENTATION_OFFICER, "other_departement"),
    ],
)
def test_a_role_held_elsewhere_does_not_widen_what_a_team_member_reads(profession, where, world, client_for):
    """rdv-insertion #2695 pattern: a socio-esthetician in Alice's team who also holds a role (agency head,
    orientation officer) for another territory or département reads and edits Alice's file as a
    socio-esthetician only: the role applies where it is held."""
    if where == "other_territory":
        t2 = Territory.objects.create(department=world.dept_a, kind=TerritoryKind.LOCAL_AGENCY, name="Agence T2")
        organization = Organization.objects.create(
            department=world.dept_a, territory=t2, kind=OrganizationKind.DEPARTMENT_SERVICE, name="Service W"
        )
    else:
        organization = world.org_z
    Membership.objects.create(user=world["socio_esthetician"], organization=organization, profession=profession)
    client = client_for("socio_esthetician")
    html = page(client, "web:person", world)
    assert canaries_in(html) == FILE_PAGE["socio_esthetician"]
    response = client.post(reverse("web:goal-create", args=[world.alice.public_id]), {"title": "Objectif de trop"})
    assert response.status_code == 403
    assert not world.contract.goals.filter(title="Objectif de trop").exists()


def test_a_role_held_here_still_opens_its_sections_to_a_team_member(world, client_for):
    """Counterpart: the agency head of T1 who is also in Alice's team reads the socio-pro section."""
    Membership.objects.create(
        user=world["socio_esthetician"], organization=world.org_x, profession=Profession.AGENCY_HEAD
    )
    html = page(client_for("socio_esthetician"), "web:person", world)
    assert canaries_in(html) == FILE_PAGE["socio_esthetician"] | SOCIO_PRO


# --- Access log --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(LOGGED_SECTIONS))
def test_reading_the_file_logs_one_row_per_sensitive_section(persona, world, client_for):
    user = world[persona]
    page(client_for(persona), "web:person", world)
    rows = list(AccessLog.objects.filter(actor=user))
    assert sorted(r.section for r in rows) == sorted(LOGGED_SECTIONS[persona])
    for row in rows:
        assert row.beneficiary_id == world.alice.pk
        assert row.department_id == world.dept_a.pk
        assert row.path == reverse("web:person", args=[world.alice.public_id])
        assert row.profession in Profession.values
    if persona in ("cip", "psychologist"):
        assert {r.profession for r in rows} == {persona}
    # A second visit is a second read: it is logged again.
    page(client_for(persona), "web:person", world)
    assert AccessLog.objects.filter(actor=user).count() == 2 * len(LOGGED_SECTIONS[persona])


def test_refreshing_one_section_with_htmx_does_not_log_a_read(world, client_for):
    client = client_for("cip")
    client.post(
        reverse("web:note-create", args=[world.alice.public_id]),
        {"body": "Relance", "visibility": "team"},
        headers={"HX-Request": "true"},
    )
    assert not AccessLog.objects.exists()


def test_access_log_rows_cannot_be_updated_or_deleted(world):
    log_reads(world.alice, actor=world["cip"], profession=Profession.CIP, sections={Section.HEALTH}, path="/x")
    row = AccessLog.objects.get()
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(section=Section.IDENTITY)
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        row.path = "/effacé"
        row.save()
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        row.delete()
    row.refresh_from_db()
    assert (row.section, row.path) == (Section.HEALTH, "/x")
    assert AccessLog.objects.count() == 1

"""From the queue to a referent, in Chromium: the orientation officer orients a new entrant (parcours professionnel,
the agency of Bobigny, a reason); the agency head of that agency keeps the suggested referent and confirms; the CIP
then finds the person in « Ma file active »."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.organizations.enums import OrganizationKind
from parcours.organizations.models import Organization
from parcours.orientation.enums import RequestStatus, TeamRole
from parcours.orientation.models import CareTeamMember, FollowUp, Orientation, OrientationRequest
from parcours.people.models import Beneficiary, Household
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

REASON = "Cariste expérimentée, disponible tout de suite ; pas de frein bloquant."


@pytest.fixture
def entrant(world):
    """The orientation officer of the département and a new RSA beneficiary waiting for 50 days (overdue)."""
    direction = Organization.objects.create(
        department=world.department, kind=OrganizationKind.DEPARTMENT_SERVICE, name="Direction de l'insertion"
    )
    officer = User.objects.create_user(
        "orientation@navigateur.parcours.test", PASSWORD, first_name="Yanis", last_name="Roux"
    )
    Membership.objects.create(
        user=officer,
        organization=direction,
        profession=Profession.ORIENTATION_OFFICER,
        start_date=timezone.localdate() - datetime.timedelta(days=400),
    )
    household = Household.objects.create(department=world.department, caf_number="9123456", rsa_status="open_payable")
    person = Beneficiary.objects.create(
        department=world.department,
        household=household,
        first_name="Nina",
        last_name="Nouvelle",
        birth_date=datetime.date(1990, 3, 2),
    )
    OrientationRequest.objects.create(
        department=world.department,
        beneficiary=person,
        received_on=timezone.localdate() - datetime.timedelta(days=50),
        source="caf_flux",
    )
    return officer, person


def test_from_the_queue_to_a_referent(world, browsing, entrant):
    officer, person = entrant
    page = browsing.page

    # 1. The orientation officer lands with the alert, opens the queue and orients Nina.
    browsing.login(officer.email)
    expect(page.locator("#messages")).to_contain_text("1 personne attend une décision au-delà du délai légal")
    page.get_by_role("link", name="Orientation", exact=True).click()
    expect(page.get_by_role("heading", name="File d'orientation", level=1)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("NOUVELLE Nina"))
    expect(row).to_contain_text("délai dépassé de 8 jours")
    row.get_by_role("link", name="Orienter Nina NOUVELLE").click()
    expect(page.get_by_role("heading", name="Orienter : Nina NOUVELLE", level=1)).to_be_visible()
    page.get_by_role("radio", name=re.compile("^Professionnel")).check()
    page.get_by_label("Organisme référent").select_option(label="Agence locale d'insertion de Bobigny")
    page.get_by_label("Motif de la décision").fill(REASON)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("#messages")).to_contain_text(
        "Nina NOUVELLE est orienté·e en parcours professionnel vers Agence locale d'insertion de Bobigny"
    )
    expect(page.get_by_text("Personne à orienter.")).to_be_visible()
    orientation = Orientation.objects.get(beneficiary=person)
    assert (orientation.parcours, orientation.organization, orientation.reason) == ("pro", world.organization, REASON)
    assert OrientationRequest.objects.get(beneficiary=person).status == RequestStatus.ORIENTED
    browsing.logout()

    # 2. The agency head keeps the suggested referent (the CIP, who has room) and confirms that row.
    browsing.login(world.head.email)
    page.get_by_role("link", name="Attribution des référent·es").click()
    expect(page.get_by_role("heading", name="Attribution des référent·es", level=1)).to_be_visible()
    choice = page.get_by_label("Référent·e de Nina NOUVELLE")
    expect(choice).to_have_value(str(world.cip.pk))
    expect(choice.locator("option:checked")).to_contain_text("Camille Martin — charge 1,5 / 90")
    page.get_by_role("button", name="Confirmer le ou la référent·e de Nina NOUVELLE").click()
    expect(page.locator("#messages")).to_contain_text("Référent·e désigné·e pour 1 personne.")
    expect(page.get_by_text("Toutes les personnes orientées vers vos organisations ont")).to_be_visible()
    follow_up = FollowUp.objects.open().get(beneficiary=person)
    assert follow_up.referent == world.cip
    assert CareTeamMember.objects.filter(follow_up=follow_up, user=world.cip, role=TeamRole.REFERENT).exists()
    browsing.logout()

    # 3. The CIP finds Nina in her caseload.
    browsing.login(world.cip.email)
    browsing.goto("/file-active/")
    expect(page.get_by_role("link", name=re.compile("NOUVELLE Nina"))).to_be_visible()
    assert not browsing.problems(), browsing.problems()

"""The demo's partner: an SIAE whose services are in the catalogue, with the account that keeps them up to date."""

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.demo.structure import persona_email
from parcours.demo.tiers import DEMO_PASSWORD
from parcours.organizations.enums import OrganizationKind
from parcours.organizations.models import Organization

PARTNER = ("partenaire", "Pauline", "Mercier", "chargée de relations, chantier d'insertion (partenaire)")


def seed_partner(department) -> User:
    organization = Organization.objects.create(
        department=department,
        kind=OrganizationKind.SIAE,
        name="Chantier d'insertion Les Jardins du Canal",
        code="jardins-du-canal",
    )
    key, first, last, _label = PARTNER
    user = User.objects.create_user(persona_email(key), DEMO_PASSWORD, first_name=first, last_name=last)
    Membership.objects.create(user=user, organization=organization, profession=Profession.PARTNER)
    return user

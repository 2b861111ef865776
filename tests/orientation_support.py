"""Builders shared by the orientation tests: new entrants in the queue, communes and territories, counselors with a
given caseload."""

import datetime

from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.organizations.enums import OrganizationKind, TerritoryKind
from parcours.organizations.models import Commune, Organization, Territory
from parcours.orientation.models import FollowUp, OrientationRequest
from tests.world import PASSWORD, person


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def commune(code: str, name: str) -> Commune:
    """A real commune (loaded by a migration; put back if a transactional test emptied the table)."""
    found, _ = Commune.objects.get_or_create(
        insee_code=code, defaults={"name": name, "postal_codes": "", "department_code": code[:2]}
    )
    return found


def territory(department, name: str, *communes) -> Territory:
    t = Territory.objects.create(department=department, kind=TerritoryKind.LOCAL_AGENCY, name=name)
    t.communes.add(*communes)
    return t


def newcomer(
    world, first: str, last: str, *, received: int, department=None, town=None, source="caf_flux", batch=None
):
    """A new person, not followed, waiting in the queue since `received` days."""
    department = department or world.dept_a
    someone = person(department, first, last, commune=town)
    OrientationRequest.objects.create(
        department=department, beneficiary=someone, received_on=days_ago(received), source=source, batch=batch
    )
    return someone


def organization(department, name: str, *, territory=None, target=90, kind=OrganizationKind.DEPARTMENT_SERVICE):
    return Organization.objects.create(
        department=department, territory=territory, kind=kind, name=name, target_caseload=target
    )


def counselor(key: str, first: str, last: str, org, profession=Profession.CIP) -> User:
    user = User.objects.create_user(f"{key}@parcours.test", PASSWORD, first_name=first, last_name=last)
    Membership.objects.create(user=user, organization=org, profession=profession)
    return user


def give_caseload(user, org, *parcours_list) -> list[FollowUp]:
    """Open accompaniments of which `user` is referent, one per parcours given."""
    result = []
    for i, parcours in enumerate(parcours_list):
        someone = person(org.department, f"Suivi{i}", f"De{user.last_name}")
        result.append(
            FollowUp.objects.create(
                department=org.department, beneficiary=someone, parcours=parcours, organization=org, referent=user
            )
        )
    return result


def unassigned(org, *parcours_list, town=None, start_days_ago=10) -> list[FollowUp]:
    """Open accompaniments without referent in `org` (people just oriented), oldest first."""
    result = []
    for i, parcours in enumerate(parcours_list):
        someone = person(org.department, f"Oriente{i}", "Sansreferent", commune=town)
        result.append(
            FollowUp.objects.create(
                department=org.department,
                beneficiary=someone,
                parcours=parcours,
                organization=org,
                start_date=days_ago(start_days_ago + len(parcours_list) - i),
            )
        )
    return result

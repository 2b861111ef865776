"""Authorisation matrix rows of the catalogue (see tests/matrix/__init__.py).

The objects: a published service of a structure maintained by organisation Y (where the `partner` persona works),
in Bobigny (93): the administrator of X (93) moderates it, platform staff too.
"""

from tests.matrix.vocabulary import LOGIN, row, to

# Any professional with an active membership searches the catalogue (staff without membership and ended: 403).
PRO = row(default=200, anonymous=LOGIN, inactive=LOGIN, platform_admin=403, ended=403)
PARTNER = row(default=403, anonymous=LOGIN, inactive=LOGIN, partner=200)
PARTNER_POST = row(default=403, anonymous=LOGIN, inactive=LOGIN, partner=400)  # empty form: invalid
PARTNER_POST_ONLY = row(default=403, anonymous=LOGIN, inactive=LOGIN, partner=405)
MODERATOR = row(default=403, anonymous=LOGIN, inactive=LOGIN, administrator=200, platform_admin=200)
MODERATOR_POST_ONLY = row(default=403, anonymous=LOGIN, inactive=LOGIN, administrator=405, platform_admin=405)
MODERATOR_POST = row(default=403, anonymous=LOGIN, inactive=LOGIN, administrator=400, platform_admin=400)

EXPECTED = {
    "web:catalogue-search": {"GET": PRO},
    "web:catalogue-communes": {"GET": PRO},
    "web:catalogue-barrier-themes": {"GET": PRO},
    "web:catalogue-service": {"GET": PRO},
    "web:catalogue-partner-services": {"GET": PARTNER},
    "web:catalogue-partner-service": {"GET": PARTNER, "POST": PARTNER_POST},
    "web:catalogue-partner-service-create": {"GET": PARTNER, "POST": PARTNER_POST},
    "web:catalogue-partner-service-check": {
        "GET": PARTNER_POST_ONLY,
        "POST": row(default=403, anonymous=LOGIN, inactive=LOGIN, partner=to("web:catalogue-partner-services")),
    },
    "web:catalogue-moderation": {"GET": MODERATOR},
    "web:catalogue-moderation-action": {"GET": MODERATOR_POST_ONLY, "POST": MODERATOR_POST},
}
PARAMS = ("service_id", "structure_id")


def objects(world):
    from parcours.catalogue.models import Service, Structure
    from parcours.organizations.models import Commune

    bobigny = Commune.objects.filter(insee_code="93008").first()
    structure, _ = Structure.objects.get_or_create(
        source="test",
        source_id="test--y",
        defaults={"name": "Chantier Y", "organization": world.org_y, "commune": bobigny, "latitude": 48.91,
                  "longitude": 2.44},
    )  # fmt: skip
    service, _ = Service.objects.get_or_create(
        source="test",
        source_id="test--y-1",
        defaults={
            "structure": structure,
            "name": "Remobilisation par le chantier",
            "description": "Quelques heures par semaine sur un chantier encadré.",
            "themes": ["remobilisation--lien-social"],
            "commune": bobigny,
            "latitude": 48.91,
            "longitude": 2.44,
        },
    )
    return {"service_id": service.public_id, "structure_id": structure.public_id}

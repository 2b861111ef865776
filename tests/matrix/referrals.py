"""Authorisation matrix rows of the referrals (see tests/matrix/__init__.py).

The objects: Alice's referral, sent by her referent (cip), to a published service of a structure that
organisation Y maintains (where the `partner` persona works). `person_id` (Alice) and `service_id` come from the
areas that declare them first (orientation, catalogue); the referral's own page follows Alice's file (her team
with the socio-professional section, the agency head of T1, the orientation officer; the socio-esthetician does
not read that section: 404), the partner's pages follow the organisation that receives it, and the signed link
opens for anyone who holds it. POSTs are sent empty, hence invalid: a persona let through gets 400.
"""

from tests.matrix.vocabulary import LOGIN, everyone, row

ANON = {"anonymous": LOGIN, "inactive": LOGIN}
ACCOMPANYING = ("cip", "social_worker", "psychologist", "digital_advisor", "socio_esthetician")
OTHERS = ("cip_out", "psychologist_out", "multi", "cip_b")  # accompanying, outside Alice's team
SOCIO_PRO_TEAM = ("cip", "social_worker", "psychologist", "digital_advisor")


def team(value, **extra):
    """`value` for Alice's team members who read the socio-professional section, 404 for the other
    accompanying professionals (socio-esthetician included), 403 for the rest."""
    cells = dict.fromkeys(SOCIO_PRO_TEAM, value) | dict.fromkeys(("socio_esthetician", *OTHERS), 404)
    return row(default=403, **ANON, **cells, **extra)


MINE = row(default=403, **ANON, **dict.fromkeys((*ACCOMPANYING, *OTHERS), 200))
ACC_POST_ONLY = row(default=403, **ANON, **dict.fromkeys((*ACCOMPANYING, *OTHERS), 405))
PARTNER = row(default=403, **ANON, partner=200)

EXPECTED = {
    "web:referrals-mine": {"GET": MINE},
    "web:referrals-agency": {"GET": row(default=403, **ANON, agency_head=200)},
    "web:referral-create": {"GET": team(200), "POST": team(400)},
    "web:referral-detail": {"GET": team(200, agency_head=200, orientation_officer=200)},
    "web:referral-new-link": {"GET": ACC_POST_ONLY, "POST": team(400)},
    "web:referrals-received": {"GET": PARTNER},
    "web:referral-received": {"GET": PARTNER, "POST": row(default=403, **ANON, partner=400)},
    # The partner's signed link: the token is the credential (a valid one here), whoever holds it.
    "web:referral-link": {"GET": everyone(200), "POST": everyone(400)},
}
PARAMS = ("referral_id", "referral_token")


def objects(world):
    from parcours.catalogue.models import Service, Structure
    from parcours.referrals.links import token_for
    from parcours.referrals.services import send_referral

    referral = world.__dict__.get("matrix_referral")
    if referral is None:
        structure, _ = Structure.objects.get_or_create(
            source="test", source_id="test--referrals-y", defaults={"name": "Atelier Y", "organization": world.org_y}
        )
        service, _ = Service.objects.get_or_create(
            source="test",
            source_id="test--referrals-y-1",
            defaults={"structure": structure, "name": "Atelier mobilité", "description": "Apprendre à se déplacer."},
        )
        referral = world.matrix_referral = send_referral(
            beneficiary=world.alice, service=service, by=world["cip"], consent=True
        )
    return {"referral_id": referral.public_id, "referral_token": token_for(referral)}

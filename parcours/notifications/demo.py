"""Demo data: contact preferences and consents for the people of a département (called by parcours.demo)."""

import random

from django.utils import timezone

from parcours.notifications.contacts import mobile_e164, usable_email
from parcours.notifications.enums import Channel
from parcours.notifications.models import ContactPreference
from parcours.people.models import Beneficiary


def seed_contacts(department, *, seed: int = 1, batch_size: int = 5000) -> int:
    """Give every person of `department` without one a contact preference: most accept SMS, some prefer
    e-mail, about one in ten consents to nothing (letters). Deterministic for a seed; returns rows created."""
    rng = random.Random(f"contacts-{seed}-{department.pk}")
    now = timezone.now()
    people = (
        Beneficiary.objects.filter(department=department, contact_preference__isnull=True)
        .order_by("pk")
        .values_list("pk", "phone", "email")
    )
    rows = []
    for pk, phone, email in people.iterator(chunk_size=batch_size):
        has_mobile = mobile_e164(phone, country=department.country) is not None
        has_email = usable_email(email) is not None
        draw = rng.random()
        sms = has_mobile and draw < 0.85
        mail = has_email and (draw < 0.3 or draw > 0.85)
        if mail and (not sms or rng.random() < 0.3):
            channel = Channel.EMAIL
        elif sms:
            channel = Channel.SMS
        else:
            channel = Channel.POSTAL
        rows.append(
            ContactPreference(
                beneficiary_id=pk,
                channel=channel,
                sms_consent=sms,
                sms_consent_at=now if sms else None,
                email_consent=mail,
                email_consent_at=now if mail else None,
                updated_at=now,
            )
        )
    ContactPreference.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)

from django.db import models


class Profession(models.TextChoices):
    CIP = "cip", "CIP / référent·e"
    SOCIAL_WORKER = "social_worker", "Assistant·e de service social"
    PSYCHOLOGIST = "psychologist", "Psychologue"
    DIGITAL_ADVISOR = "digital_advisor", "Conseiller·ère numérique"
    SOCIO_ESTHETICIAN = "socio_esthetician", "Socio-esthéticien·ne"
    AGENCY_HEAD = "agency_head", "Chef·fe d'agence"
    ORIENTATION_OFFICER = "orientation_officer", "Chargé·e d'orientation"
    STEERING = "steering", "Pilotage"
    ADMINISTRATOR = "administrator", "Administrateur·rice"
    PARTNER = "partner", "Partenaire (structure du catalogue)"


# Professions that accompany people (can be referent or care-team member).
ACCOMPANYING = frozenset(
    {
        Profession.CIP,
        Profession.SOCIAL_WORKER,
        Profession.PSYCHOLOGIST,
        Profession.DIGITAL_ADVISOR,
        Profession.SOCIO_ESTHETICIAN,
    }
)


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Membre"
    MANAGER = "manager", "Gestionnaire de l'organisation"

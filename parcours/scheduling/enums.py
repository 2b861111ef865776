from django.db import models


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"


class DayPart(models.TextChoices):
    """Hard constraint: the person can only come in this part of the day."""

    ANY = "any", "Toute la journée"
    MORNING = "morning", "Le matin seulement"
    AFTERNOON = "afternoon", "L'après-midi seulement"


class Preference(models.TextChoices):
    """Soft preference: honoured when the plan allows it."""

    ANY = "any", "Sans préférence"
    MORNING = "morning", "De préférence le matin"
    AFTERNOON = "afternoon", "De préférence l'après-midi"


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    CONFIRMED = "confirmed", "Confirmée"
    SUPERSEDED = "superseded", "Remplacée"


class Method(models.TextChoices):
    CPSAT = "cpsat", "Solveur (CP-SAT)"
    GREEDY = "greedy", "Glouton (premier meilleur créneau)"
    PERSON = "person", "Créneau choisi par la personne"


class ReplanReason(models.TextChoices):
    CANCELLED = "cancelled", "Rendez-vous annulé"
    ANOTHER_SLOT = "another_slot", "Autre créneau demandé"
    NO_SHOW = "no_show", "Absence au rendez-vous"
    MANUAL = "manual", "Demande du ou de la professionnel·le"
    TERRITORY = "territory", "Planification du territoire"

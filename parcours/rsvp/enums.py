from django.db import models


class ResponseAction(models.TextChoices):
    CONFIRM = "confirm", "Présence confirmée"
    CANCEL = "cancel", "Annulation"
    ANOTHER_SLOT = "another_slot", "Demande d'un autre créneau"
    CHOSEN_SLOT = "chosen_slot", "Nouveau créneau choisi"

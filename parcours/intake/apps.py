from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "parcours.intake"
    label = "intake"
    verbose_name = "Arrivées (flux CAF/MSA, tableurs, doublons)"

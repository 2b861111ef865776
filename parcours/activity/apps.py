from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "parcours.activity"
    label = "activity"
    verbose_name = "Heures d'activité"

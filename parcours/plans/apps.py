from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "parcours.plans"
    label = "plans"
    verbose_name = "Contrats et plans d'action"

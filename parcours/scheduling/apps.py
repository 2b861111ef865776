from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "parcours.scheduling"
    label = "scheduling"
    verbose_name = "Disponibilités et planification"

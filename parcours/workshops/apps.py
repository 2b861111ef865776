from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "parcours.workshops"
    label = "workshops"
    verbose_name = "Ateliers collectifs"

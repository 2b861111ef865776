from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "parcours.agenda"
    label = "agenda"
    verbose_name = "Agenda"

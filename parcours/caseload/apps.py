from django.apps import AppConfig


class CaseloadConfig(AppConfig):
    name = "parcours.caseload"
    label = "caseload"
    verbose_name = "Files actives"

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "parcours.alerts"
    label = "alerts"
    verbose_name = "Alertes et relances"

from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "parcours.organizations"
    label = "organizations"
    verbose_name = "Territoires et organisations"

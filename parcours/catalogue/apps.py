from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "parcours.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue des services"

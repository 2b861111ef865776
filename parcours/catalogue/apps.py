from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "parcours.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue des services"

    def ready(self):
        from django.db.models.signals import post_save

        from parcours.catalogue.models import Service
        from parcours.catalogue.signals import service_saved

        post_save.connect(service_saved, sender=Service, dispatch_uid="catalogue_service_saved")

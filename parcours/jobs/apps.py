from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "parcours.jobs"
    label = "jobs"
    verbose_name = "Tâches de fond"

    def ready(self):
        from parcours.jobs.periodic import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)

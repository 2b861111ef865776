from django.core.management.base import BaseCommand

from parcours.jobs.runner import run_pending


class Command(BaseCommand):
    help = "Exécute ici les tâches en attente (sans cluster), puis s'arrête."

    def handle(self, *args, **options):
        ran = run_pending()
        self.stdout.write(f"{ran} tâche(s) exécutée(s).")

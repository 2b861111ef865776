"""python manage.py catalogue_export DIR — write structures.json and services.json (data·inclusion v1)."""

from django.core.management.base import BaseCommand, CommandError

from parcours.catalogue.exporter import export_to


class Command(BaseCommand):
    help = "Exporte le catalogue au format data·inclusion v1 : DIR/structures.json et DIR/services.json."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Dossier de destination (créé s'il n'existe pas).")

    def handle(self, *args, directory, **options):
        skipped: list[str] = []
        try:
            structures, services = export_to(directory, skipped)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire dans « {directory} » : {error}.") from error
        for line in skipped:
            self.stdout.write(self.style.WARNING(f"Non exporté (refusé par le schéma) : {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Export data·inclusion : {structures} structure(s) et {services} service(s) écrits dans {directory}."
            )
        )

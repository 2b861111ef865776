"""python manage.py catalogue_import FILE [FILE …] — import a data·inclusion export (JSON or CSV)."""

from django.core.management.base import BaseCommand, CommandError

from parcours.catalogue.importer import UnreadableFile, import_files


class Command(BaseCommand):
    help = "Importe un export data·inclusion (structures et/ou services, JSON ou CSV) ; un nouvel import met à jour."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Fichier(s) JSON ou CSV de structures et/ou de services.")

    def handle(self, *args, files, **options):
        try:
            report = import_files(files)
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        for rejected in report.rejected:
            self.stdout.write(self.style.WARNING(f"Rejeté : {rejected}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))

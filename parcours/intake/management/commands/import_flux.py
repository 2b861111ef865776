from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parcours.intake.enums import BatchKind
from parcours.intake.management.commands._importing import run_and_report
from parcours.organizations.models import Department


class Command(BaseCommand):
    help = (
        "Importe un flux « bénéficiaires » CAF/MSA (XML vrsb0801) : crée ou met à jour les personnes et les foyers, "
        "met les nouveaux entrants dans la file d'orientation. Reprend un import interrompu du même fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier XML du flux")
        parser.add_argument("--departement", help="Code du département (par défaut : celui que le flux indique)")
        parser.add_argument("--json", action="store_true", help="Résumé en JSON (pour les scripts)")

    def handle(self, *args, file, departement, json, **options):
        department = None
        if departement:
            department = Department.objects.filter(code=departement).first()
            if department is None:
                raise CommandError(f"Département inconnu : {departement}")
        path = Path(file)
        run_and_report(
            self,
            as_json=json,
            department=department,
            kind=BatchKind.CAF_FLUX,
            source_path=path,
            filename=path.name,
        )

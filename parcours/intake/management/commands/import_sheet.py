from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parcours.intake.enums import BatchKind
from parcours.intake.management.commands._importing import run_and_report
from parcours.organizations.models import Organization


class Command(BaseCommand):
    help = (
        "Importe une liste de personnes (CSV ou XLSX) pour une organisation : colonnes reconnues d'après leurs "
        "en-têtes, ou selon une correspondance enregistrée. Reprend un import interrompu du même fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV ou XLSX")
        parser.add_argument("--organisation", required=True, help="Code de l'organisation (Organization.code)")
        parser.add_argument("--mapping", help="Nom d'une correspondance de colonnes enregistrée pour l'organisation")
        parser.add_argument("--json", action="store_true", help="Résumé en JSON (pour les scripts)")

    def handle(self, *args, file, organisation, mapping, json, **options):
        organizations = Organization.objects.filter(code=organisation).select_related("department")
        if organizations.count() != 1:
            raise CommandError(
                f"Organisation « {organisation} » inconnue ou ambiguë (codes : Organisation → champ « code »)."
            )
        organization = organizations.get()
        path = Path(file)
        columns = self.mapping_for(organization, mapping, path)
        run_and_report(
            self,
            as_json=json,
            department=organization.department,
            organization=organization,
            kind=BatchKind.SHEET,
            source_path=path,
            filename=path.name,
            mapping=columns,
        )

    def mapping_for(self, organization, name, path):
        from parcours.intake import sheets
        from parcours.intake.records import Unreadable

        try:
            headers = sheets.open_sheet(path, path.name).headers
        except FileNotFoundError:
            raise CommandError(f"Fichier introuvable : {path}") from None
        except Unreadable as exc:
            raise CommandError(f"Fichier illisible : {exc}") from None
        if name:
            from parcours.intake.mappings import load_mapping

            saved = load_mapping(organization, name)
            if saved is None:
                raise CommandError(f"Aucune correspondance « {name} » pour {organization}.")
            return sheets.apply_saved(headers, saved) if hasattr(sheets, "apply_saved") else saved
        return sheets.auto_mapping(headers, organization=organization)

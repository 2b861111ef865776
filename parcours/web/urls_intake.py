"""URLs of the intake pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.web.nav import NavEntry
from parcours.web.views import imports

urlpatterns = [
    path("imports/", imports.imports, name="imports"),
    path("imports/nouveau/", imports.import_new, name="import-new"),
    path("imports/<uuid:batch_id>/", imports.import_batch, name="import-batch"),
    path("imports/<uuid:batch_id>/correspondance/", imports.import_mapping, name="import-mapping"),
    path("imports/<uuid:batch_id>/lancer/", imports.import_start, name="import-start"),
    path("imports/<uuid:batch_id>/progression/", imports.import_progress, name="import-progress"),
    path("imports/<uuid:batch_id>/lignes-rejetees/", imports.import_issues, name="import-issues"),
]


def _imports_visible(request) -> bool:
    from parcours.intake.uploads import can_import

    return can_import(request.viewer)


# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [NavEntry("Imports", "web:imports", visible=_imports_visible, order=70)]

"""URLs of the orientation pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.accounts.enums import Profession
from parcours.web.nav import NavEntry
from parcours.web.views import orientation, orientation_assign, orientation_indicators

urlpatterns = [
    path("orientation/file/", orientation.orientation_queue, name="orientation-queue"),
    path("orientation/demandes/<int:request_id>/orienter/", orientation.orientation_decide, name="orientation-decide"),
    path("orientation/personnes/<uuid:person_id>/", orientation.orientation_history, name="orientation-history"),
    path(
        "orientation/personnes/<uuid:person_id>/reorienter/",
        orientation.orientation_reorient,
        name="orientation-reorient",
    ),
    path("orientation/attribution/", orientation_assign.referent_assignment, name="referent-assignment"),
    path("orientation/indicateurs/", orientation_indicators.orientation_indicators, name="orientation-indicators"),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [
    NavEntry(
        "Orientation",
        "web:orientation-queue",
        visible=lambda r: r.viewer.has(Profession.ORIENTATION_OFFICER, Profession.AGENCY_HEAD),
        order=20,
    ),
    NavEntry(
        "Attribution des référent·es",
        "web:referent-assignment",
        visible=lambda r: r.viewer.has(Profession.AGENCY_HEAD),
        order=21,
    ),
    NavEntry(
        "Indicateurs d'orientation",
        "web:orientation-indicators",
        visible=lambda r: r.viewer.has(Profession.ORIENTATION_OFFICER, Profession.STEERING, Profession.AGENCY_HEAD),
        order=22,
    ),
]

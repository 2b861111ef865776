"""URLs of the workshops pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.web.nav import NavEntry
from parcours.web.views import workshops
from parcours.workshops.queries import may_use

urlpatterns = [
    path("ateliers/", workshops.workshop_list, name="workshop-list"),
    path("ateliers/nouveau/", workshops.workshop_series_create, name="workshop-series-create"),
    path("ateliers/<uuid:workshop_id>/", workshops.workshop_series, name="workshop-series"),
    path("ateliers/<uuid:workshop_id>/seances/", workshops.workshop_session_create, name="workshop-session-create"),
    path(
        "ateliers/<uuid:workshop_id>/attestations/<uuid:attendee_id>/",
        workshops.workshop_certificate,
        name="workshop-certificate",
    ),
    path("ateliers/seances/<uuid:workshop_session_id>/", workshops.workshop_session, name="workshop-session"),
    path(
        "ateliers/seances/<uuid:workshop_session_id>/inscription/",
        workshops.workshop_register,
        name="workshop-register",
    ),
    path(
        "ateliers/seances/<uuid:workshop_session_id>/presences/",
        workshops.workshop_attendance,
        name="workshop-attendance",
    ),
    path(
        "ateliers/inscriptions/<uuid:workshop_registration_id>/annulation/",
        workshops.workshop_cancel,
        name="workshop-cancel",
    ),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [NavEntry("Ateliers", "web:workshop-list", visible=lambda r: may_use(r.viewer), order=60)]

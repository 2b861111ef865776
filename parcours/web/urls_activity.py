"""URLs of the activity pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.web.nav import NavEntry
from parcours.web.views import activity

urlpatterns = [
    path("heures/", activity.activity_caseload, name="activity-caseload"),
    path("heures/personnes/<uuid:hours_person_id>/", activity.activity_person, name="activity-person"),
    path(
        "heures/personnes/<uuid:hours_person_id>/activites/",
        activity.activity_entry_create,
        name="activity-entry-create",
    ),
    path(
        "heures/personnes/<uuid:hours_person_id>/activites/<int:activity_entry_id>/suppression/",
        activity.activity_entry_delete,
        name="activity-entry-delete",
    ),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [NavEntry("Heures d'activité", "web:activity-caseload", visible=lambda r: r.viewer.accompanies, order=61)]

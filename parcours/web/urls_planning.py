"""URLs of the planning pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.web.views import availability, planning

urlpatterns = [
    path("planning/", planning.planning, name="planning"),
    path("planning/proposer/", planning.planning_propose, name="planning-propose"),
    path("planning/<int:run_id>/confirmer/", planning.planning_confirm, name="planning-confirm"),
    path("disponibilites/", availability.availability, name="availability"),
    path("disponibilites/plages/<int:hours_id>/suppression/", availability.hours_delete, name="working-hours-delete"),
    path("disponibilites/absences/<int:absence_id>/suppression/", availability.absence_delete, name="absence-delete"),
]

"""URLs of the review pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.intake.review import can_review
from parcours.web.nav import NavEntry
from parcours.web.views import duplicates

urlpatterns = [
    path("doublons/", duplicates.duplicates, name="duplicates"),
    path("doublons/<int:suspect_id>/fusion/", duplicates.duplicate_merge, name="duplicate-merge"),
    path("doublons/<int:suspect_id>/personnes-differentes/", duplicates.duplicate_distinct, name="duplicate-distinct"),
    path("doublons/fusions/<int:record_id>/annulation/", duplicates.merge_undo, name="merge-undo"),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [NavEntry("Doublons", "web:duplicates", visible=lambda request: can_review(request.viewer), order=40)]

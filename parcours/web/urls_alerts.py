"""URLs of the alerts pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.web.views import alerts

urlpatterns = [
    path("file-de-travail/", alerts.work_queue, name="work-queue"),
    path("file-de-travail/alertes/<int:alert_id>/traitee/", alerts.alert_handle, name="alert-handle"),
    path("file-de-travail/relances/<int:procedure_id>/courrier/", alerts.no_show_letter, name="no-show-letter"),
    path("file-de-travail/equipe-pluridisciplinaire/<int:case_id>/", alerts.review_case, name="review-case"),
    path(
        "file-de-travail/equipe-pluridisciplinaire/<int:case_id>/decision/",
        alerts.review_case_decide,
        name="review-case-decide",
    ),
]

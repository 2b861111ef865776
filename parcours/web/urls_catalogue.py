"""URLs of the catalogue pages (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.accounts.enums import Profession
from parcours.web.nav import NavEntry
from parcours.web.views import catalogue, catalogue_moderation, catalogue_partner

urlpatterns = [
    path("services/", catalogue.service_search, name="catalogue-search"),
    path("services/communes/", catalogue.commune_options, name="catalogue-communes"),
    path("services/freins-et-thematiques/", catalogue.barrier_themes, name="catalogue-barrier-themes"),
    path("services/<uuid:service_id>/", catalogue.service_detail, name="catalogue-service"),
    path("mes-services/", catalogue_partner.partner_service_list, name="catalogue-partner-services"),
    path(
        "mes-services/structures/<uuid:structure_id>/nouveau/",
        catalogue_partner.partner_service_create,
        name="catalogue-partner-service-create",
    ),
    path("mes-services/<uuid:service_id>/", catalogue_partner.partner_service_edit, name="catalogue-partner-service"),
    path(
        "mes-services/<uuid:service_id>/verifie/",
        catalogue_partner.partner_service_check,
        name="catalogue-partner-service-check",
    ),
    path("services/moderation/", catalogue_moderation.moderation, name="catalogue-moderation"),
    path(
        "services/moderation/<uuid:service_id>/",
        catalogue_moderation.moderation_action,
        name="catalogue-moderation-action",
    ),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [
    NavEntry("Trouver un service", "web:catalogue-search", visible=lambda r: r.viewer.is_professional, order=40),
    NavEntry(
        "Mes services", "web:catalogue-partner-services", visible=lambda r: r.viewer.has(Profession.PARTNER), order=41
    ),
    NavEntry(
        "Modération du catalogue",
        "web:catalogue-moderation",
        visible=lambda r: r.user.is_staff or r.viewer.has(Profession.ADMINISTRATOR),
        order=90,
    ),
]

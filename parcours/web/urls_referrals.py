"""URLs of the referrals pages (included in parcours/web/urls.py, namespace "web").

The partner's link carries its credential in the path: parcours.referrals.logs masks it in the request logs.
"""

from django.urls import path

from parcours.accounts.enums import Profession
from parcours.web.nav import NavEntry
from parcours.web.views import referrals, referrals_partner

urlpatterns = [
    path("orientations/", referrals.referrals_mine, name="referrals-mine"),
    path("orientations/agence/", referrals.referrals_agency, name="referrals-agency"),
    path(
        "orientations/nouvelle/<uuid:person_id>/<uuid:service_id>/",
        referrals.referral_create,
        name="referral-create",
    ),
    path("orientations/<uuid:referral_id>/", referrals.referral_detail, name="referral-detail"),
    path("orientations/<uuid:referral_id>/nouveau-lien/", referrals.referral_new_link, name="referral-new-link"),
    path("orientations-recues/", referrals_partner.referrals_received, name="referrals-received"),
    path("orientations-recues/<uuid:referral_id>/", referrals_partner.referral_received, name="referral-received"),
    path("partenaire/orientation/<str:referral_token>/", referrals_partner.referral_link, name="referral-link"),
]

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = [
    NavEntry("Mes orientations", "web:referrals-mine", visible=lambda r: r.viewer.accompanies, order=40),
    NavEntry(
        "Orientations de l'agence",
        "web:referrals-agency",
        visible=lambda r: r.viewer.has(Profession.AGENCY_HEAD),
        order=41,
    ),
    NavEntry(
        "Orientations reçues",
        "web:referrals-received",
        visible=lambda r: r.viewer.has(Profession.PARTNER),
        order=42,
    ),
]

from django.urls import path

from parcours.notifications import urls as urls_notifications
from parcours.web import (
    urls_activity,
    urls_alerts,
    urls_catalogue,
    urls_intake,
    urls_orientation,
    urls_planning,
    urls_referrals,
    urls_review,
    urls_rsvp,
    urls_workshops,
)
from parcours.web.views import auth, caseload, home, person, person_edit, person_prefs, person_team, search, team

app_name = "web"

# Areas that bring their own URLs and navigation entries (parcours/web/nav.py).
AREAS = (urls_intake, urls_orientation, urls_review, urls_catalogue, urls_referrals, urls_workshops, urls_activity)

person_urls = [
    path("personnes/<uuid:public_id>/", person.person_file, name="person"),
    path("personnes/<uuid:public_id>/synthese/", person.person_summary, name="person-summary"),
    path("personnes/<uuid:public_id>/identite/", person_edit.identity_save, name="person-identity"),
    path("personnes/<uuid:public_id>/nir/", person_edit.nir_save, name="person-nir"),
    path("personnes/<uuid:public_id>/rendez-vous/", person_edit.appointment_create, name="appointment-create"),
    path(
        "personnes/<uuid:public_id>/rendez-vous/<uuid:appointment_id>/issue/",
        person_edit.appointment_outcome,
        name="appointment-outcome",
    ),
    path("personnes/<uuid:public_id>/freins/", person_edit.barrier_update, name="barrier-update"),
    path("personnes/<uuid:public_id>/diagnostic/", person_edit.diagnostic_create, name="diagnostic-create"),
    path("personnes/<uuid:public_id>/contrat/", person_edit.contract_save, name="contract-save"),
    path("personnes/<uuid:public_id>/objectifs/", person_edit.goal_create, name="goal-create"),
    path("personnes/<uuid:public_id>/actions/", person_edit.action_create, name="action-create"),
    path(
        "personnes/<uuid:public_id>/actions/<int:action_id>/statut/", person_edit.action_status, name="action-status"
    ),
    path("personnes/<uuid:public_id>/notes/", person_edit.note_create, name="note-create"),
    path("personnes/<uuid:public_id>/convocations/", person_prefs.preferences_save, name="appointment-preferences"),
    path("personnes/<uuid:public_id>/equipe/", person_team.team_add, name="team-add"),
    path("personnes/<uuid:public_id>/equipe/<int:member_id>/retrait/", person_team.team_remove, name="team-remove"),
    path("personnes/<uuid:public_id>/referent/", person_team.referent_assign, name="referent-assign"),
    path("personnes/<uuid:public_id>/sortie/", person_team.follow_up_close, name="follow-up-close"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("connexion/", auth.login_view, name="login"),
    path("deconnexion/", auth.logout_view, name="logout"),
    path("mot-de-passe/oubli/", auth.password_reset, name="password-reset"),
    path("mot-de-passe/oubli/envoye/", auth.password_reset_done, name="password-reset-done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("mot-de-passe/nouveau/fait/", auth.password_reset_complete, name="password-reset-complete"),
    path("file-active/", caseload.caseload, name="caseload"),
    path("agenda/", caseload.agenda, name="agenda"),
    path("equipe/", team.team, name="team"),
    path("personnes/", search.person_search, name="person-search"),
    *person_urls,
    *urls_planning.urlpatterns,
    *urls_rsvp.urlpatterns,
    *urls_alerts.urlpatterns,
    *urls_notifications.urlpatterns,
    *(pattern for area in AREAS for pattern in area.urlpatterns),
]

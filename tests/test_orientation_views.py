"""The orientation pages: queue (alert, read-only for agency heads, constant SQL), decision and réorientation forms,
history, referent assignment (preselection, bulk, over-capacity confirmation, constant SQL), indicators, home alert,
team page flag, navigation."""

import datetime
import html as html_lib
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.intake.models import ImportBatch
from parcours.orientation.decisions import orient
from parcours.orientation.enums import ExitReason, Parcours, RequestStatus
from parcours.orientation.models import FollowUp, Orientation, OrientationRequest
from tests.orientation_support import commune, counselor, give_caseload, newcomer, organization, unassigned

QUEUE = reverse("web:orientation-queue")
ASSIGN = reverse("web:referent-assignment")
INDICATORS = reverse("web:orientation-indicators")


def text(response) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(response.content.decode()))


def captured(client, url):
    client.get(url)  # warm-up: what a second visit costs (rules cache, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return text(response), len(queries.captured_queries)


# --- Queue -----------------------------------------------------------------------------------------------------


def test_the_queue_shows_the_delay_and_the_overdue_alert(world, client_for):
    newcomer(world, "Ancienne", "Attente", received=50)
    newcomer(world, "Recente", "Attente", received=40)
    html = text(client_for("orientation_officer").get(QUEUE))
    assert "<strong>2</strong> personnes à orienter, dont <strong>1</strong> au-delà du délai légal" in html
    assert "Alerte :" in html and "France Travail oriente la personne" in html
    assert html.index("ATTENTE Ancienne") < html.index("ATTENTE Recente")
    assert '<span class="badge badge-late">délai dépassé de 8 jours</span>' in html
    assert "2 jours restants" in html
    assert html.count(">Orienter<") == 2


def test_the_agency_head_reads_the_queue_of_their_territory_without_deciding(world, client_for):
    bobigny = commune("93008", "Bobigny")
    world.t1.communes.add(bobigny)
    newcomer(world, "Locale", "Personne", received=10, town=bobigny)
    newcomer(world, "Lointaine", "Personne", received=10)
    html = text(client_for("agency_head").get(QUEUE))
    assert "PERSONNE Locale" in html and "Lointaine" not in html
    assert "Consultation seule" in html and ">Orienter<" not in html


def test_the_queue_filters_from_the_url(world, client_for):
    newcomer(world, "Vieille", "A", received=60)
    newcomer(world, "Jeune", "B", received=2, source="sheet")
    client = client_for("orientation_officer")
    assert "Jeune" not in text(client.get(QUEUE, {"retard": "on"}))
    html = text(client.get(QUEUE, {"origine": "sheet"}))
    assert "B Jeune" in html and "Vieille" not in html


def test_the_queue_costs_the_same_sql_for_5_and_40_people(world, client_for):
    client = client_for("orientation_officer")
    for i in range(5):
        newcomer(world, f"Prenom{i}", "Nom", received=i * 10, town=commune("93008", "Bobigny"))
    html, small = captured(client, QUEUE)
    assert html.count("NOM Prenom") == 5
    for i in range(5, 40):
        newcomer(world, f"Prenom{i}", "Nom", received=i)
    html, large = captured(client, QUEUE)
    assert html.count("NOM Prenom") == 40
    assert small == large <= 15, f"{small} requêtes pour 5, {large} pour 40"
    print(f"\nfile d'orientation : {small} requêtes SQL pour 5 personnes, {large} pour 40")


# --- Decision, history, réorientation -------------------------------------------------------------------------


def test_the_officer_orients_a_new_entrant_through_the_form(world, client_for):
    someone = newcomer(world, "Nadia", "Nouvelle", received=12)
    request = OrientationRequest.objects.get(beneficiary=someone)
    url = reverse("web:orientation-decide", args=[request.pk])
    client = client_for("orientation_officer")
    page = text(client.get(url))
    assert "Parcours à vocation d'insertion professionnelle" in page and "30 jours restants" in page
    assert "Chantier Y" not in page  # an SIAE is not an organisme référent

    response = client.post(
        url,
        {
            "parcours": "pro",
            "organization": world.org_x.pk,
            "reason": "Expérience récente en logistique.",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    follow_up = FollowUp.objects.open().get(beneficiary=someone)
    assert (follow_up.parcours, follow_up.organization, follow_up.referent) == ("pro", world.org_x, None)
    assert "est orienté·e en parcours professionnel vers Service insertion X" in text(client.get(QUEUE))
    assert client.get(url).status_code == 302  # no longer waiting: back to the history


def test_the_decision_form_answers_in_french(world, client_for):
    someone = newcomer(world, "Erreur", "Saisie", received=3)
    url = reverse("web:orientation-decide", args=[OrientationRequest.objects.get(beneficiary=someone).pk])
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client_for("orientation_officer").post(url, {"organization": world.org_y.pk, "decided_on": future})
    html = text(response)
    assert response.status_code == 400
    assert "Choisissez le parcours" in html and "Indiquez le motif de la décision." in html
    assert "n'est pas organisme référent de votre département" in html
    response = client_for("orientation_officer").post(
        url, {"parcours": "social", "organization": world.org_x.pk, "reason": "x", "decided_on": future}
    )
    assert response.status_code == 400 and "ne peut pas être dans le futur" in text(response)
    assert not Orientation.objects.filter(beneficiary=someone).exists()


def test_a_request_of_another_departement_answers_404(world, client_for):
    someone = newcomer(world, "Paris", "Ienne", received=3, department=world.dept_b)
    url = reverse("web:orientation-decide", args=[OrientationRequest.objects.get(beneficiary=someone).pk])
    assert client_for("orientation_officer").get(url).status_code == 404
    assert (
        client_for("orientation_officer").get(reverse("web:orientation-history", args=[someone.public_id])).status_code
        == 404
    )


def test_history_and_reorientation_pages(world, client_for):
    someone = newcomer(world, "Histo", "Rique", received=20)
    officer = world["orientation_officer"]
    orient(
        someone,
        by=officer,
        parcours=Parcours.PRO,
        organization=world.org_x,
        reason="Premier motif",
        decided_on=timezone.localdate(),
    )
    client = client_for("orientation_officer")
    reorient_url = reverse("web:orientation-reorient", args=[someone.public_id])
    assert "Nouvelle décision (réorientation)" in text(client.get(reorient_url))
    response = client.post(
        reorient_url,
        {
            "parcours": "social",
            "organization": world.direction.pk,
            "reason": "Logement d'abord",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    history_url = reverse("web:orientation-history", args=[someone.public_id])
    assert response.status_code == 302 and response["Location"] == history_url
    html = text(client.get(history_url))
    assert html.count("<tr>") == 3  # header + two decisions
    assert "En vigueur" in html and "Remplacée" in html and "Premier motif" in html and "Logement d'abord" in html
    assert FollowUp.objects.get(beneficiary=someone, end_date__isnull=False).exit_reason == ExitReason.REORIENTED
    # The file links to its orientation history.
    file_html = text(client.get(reverse("web:person", args=[someone.public_id])))
    assert history_url in file_html


# --- Referent assignment ---------------------------------------------------------------------------------------


def test_the_agency_head_confirms_the_suggested_referents_all_at_once(world, client_for):
    people = unassigned(world.org_x, Parcours.PRO, Parcours.SOCIAL)
    client = client_for("agency_head")
    html = text(client.get(ASSIGN))
    assert "<strong>2</strong> personnes orientées sans référent·e" in html
    selected = re.findall(r'<option value="(\d+)" selected>', html)
    assert len(selected) == 2
    data = {"suivi": [f.pk for f in people], "tous": "1"}
    data.update({f"referent-{f.pk}": user_id for f, user_id in zip(people, selected, strict=True)})
    response = client.post(ASSIGN, data)
    assert response.status_code == 302
    for f, user_id in zip(people, selected, strict=True):
        f.refresh_from_db()
        assert f.referent_id == int(user_id)
    assert "Référent·e désigné·e pour 2 personnes." in text(client.get(ASSIGN))


def test_one_row_can_be_confirmed_with_another_counselor(world, client_for):
    first, second = unassigned(world.org_x, Parcours.PRO, Parcours.PRO)
    social_worker = world["social_worker"]
    response = client_for("agency_head").post(
        ASSIGN,
        {
            "suivi": [first.pk, second.pk],
            "un": first.pk,
            f"referent-{first.pk}": social_worker.pk,
            f"referent-{second.pk}": world["cip"].pk,
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.referent, second.referent) == (social_worker, None)


def test_over_capacity_needs_the_checkbox_then_warns(world, client_for):
    world.org_x.target_caseload = 2
    world.org_x.save()
    cip = world["cip"]  # already referent of Alice (socio-pro: 1.5)
    [follow_up] = unassigned(world.org_x, Parcours.SOCIAL)  # + 2 = 3.5 > 2
    data = {"suivi": [follow_up.pk], "tous": "1", f"referent-{follow_up.pk}": cip.pk}
    client = client_for("agency_head")
    response = client.post(ASSIGN, data)
    assert response.status_code == 400
    assert "Camille Martin (charge 3,5 pour une cible de 2)" in text(response)
    follow_up.refresh_from_db()
    assert follow_up.referent is None
    response = client.post(ASSIGN, {**data, "depasser": "1"})
    assert response.status_code == 302
    html = text(client.get(ASSIGN))
    assert "Attention, au-delà de la capacité : Camille Martin" in html
    assert "Au-delà de la capacité</span>" in html  # flagged on the board
    assert "Au-delà de la capacité</span>" in text(client.get(reverse("web:team")))  # and on the team page


def test_foreign_follow_ups_cannot_be_assigned(world, client_for):
    other = organization(world.dept_a, "Agence hors territoire")
    stranger = counselor("etranger", "Eti", "Enne", other)
    [follow_up] = unassigned(other, Parcours.PRO)
    response = client_for("agency_head").post(
        ASSIGN, {"suivi": [follow_up.pk], "tous": "1", f"referent-{follow_up.pk}": stranger.pk}
    )
    assert response.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.referent is None


def test_a_whole_import_is_assigned_from_the_suggestions(world, client_for, monkeypatch):
    monkeypatch.setattr("parcours.web.views.orientation_assign.MAX_ROWS", 2)
    batch = ImportBatch.objects.create(department=world.dept_a, kind="caf_flux", filename="flux-mars.xml", sha256="1")
    officer = world["orientation_officer"]
    from_batch = [newcomer(world, f"Lot{i}", "Import", received=9, batch=batch) for i in range(3)]
    other = newcomer(world, "Hors", "Lot", received=9)
    for someone in [*from_batch, other]:
        orient(someone, by=officer, parcours=Parcours.PRO, organization=world.org_x, reason="M")
    client = client_for("agency_head")
    html = text(client.get(ASSIGN, {"import": batch.pk}))
    assert "<strong>3</strong> personnes orientées sans référent·e ; les 2 plus anciennes ci-dessous" in html
    assert "Attribuer les 3 personnes selon les propositions" in html
    response = client.post(ASSIGN, {"propositions": "1", "import": batch.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"?import={batch.pk}")
    assert not FollowUp.objects.open().filter(beneficiary__in=from_batch, referent__isnull=True).exists()
    assert FollowUp.objects.open().get(beneficiary=other).referent is None
    assert "Référent·e désigné·e pour 3 personnes, selon les propositions." in text(client.get(ASSIGN))


def test_the_assignment_page_costs_the_same_sql_for_5_and_30_people(world, client_for):
    client = client_for("agency_head")
    give_caseload(world["cip_out"], world.org_x, Parcours.SOCIAL)
    unassigned(world.org_x, *([Parcours.PRO] * 5))
    html, small = captured(client, ASSIGN)
    assert html.count('name="suivi"') == 5
    unassigned(world.org_x, *([Parcours.SOCIO_PRO] * 25))
    html, large = captured(client, ASSIGN)
    assert html.count('name="suivi"') == 30
    assert small == large <= 20, f"{small} requêtes pour 5, {large} pour 30"
    print(f"\nattribution des référent·es : {small} requêtes SQL pour 5 personnes, {large} pour 30")


# --- Indicators, home, navigation --------------------------------------------------------------------------------


def test_the_indicators_page(world, client_for):
    someone = newcomer(world, "Indi", "Cateur", received=30)
    orient(
        someone,
        by=world["orientation_officer"],
        parcours=Parcours.PRO,
        organization=world.org_x,
        reason="M",
        decided_on=timezone.localdate(),
    )
    newcomer(world, "En", "Retard", received=50)
    for persona in ("orientation_officer", "steering", "agency_head"):
        html = text(client_for(persona).get(INDICATORS))
        assert "1<sup>er</sup> rendez-vous honoré" in html, persona
    html = text(client_for("steering").get(INDICATORS))
    assert '<th scope="row">Hors territoire ou commune inconnue</th> <td>1</td> <td>30 j</td> <td>30 j</td>' in html
    assert '<span class="badge badge-late">1</span>' in html


def test_the_orientation_officer_lands_with_the_overdue_count(world, client_for):
    newcomer(world, "Tres", "Ancienne", received=90)
    newcomer(world, "Aussi", "Ancienne", received=70)
    client = client_for("orientation_officer")
    response = client.get(reverse("web:home"), follow=True)
    assert "File d'orientation : 2 personnes attendent une décision au-delà du délai légal" in text(response)
    OrientationRequest.objects.update(status=RequestStatus.CANCELLED)
    assert "au-delà du délai légal" not in text(client.get(reverse("web:home"), follow=True))


def test_navigation_entries_follow_the_professions(world, client_for):
    expected = {
        "orientation_officer": {
            "Orientation": True,
            "Attribution des référent·es": False,
            "Indicateurs d'orientation": True,
        },
        "agency_head": {"Orientation": True, "Attribution des référent·es": True, "Indicateurs d'orientation": True},
        "steering": {"Orientation": False, "Attribution des référent·es": False, "Indicateurs d'orientation": True},
        "cip": {"Orientation": False, "Attribution des référent·es": False, "Indicateurs d'orientation": False},
    }
    for persona, entries in expected.items():
        nav = text(client_for(persona).get(reverse("web:person-search") if persona != "steering" else INDICATORS))
        nav = nav.split('class="main-nav"')[1].split("</nav>")[0]
        for label, shown in entries.items():
            assert (f">{label}</a>" in nav) is shown, (persona, label)

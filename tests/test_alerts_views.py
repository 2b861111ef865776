"""The work queue, marking an alert handled, the review panel case page, and the agency indicators."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.alerts.enums import AlertKind, AlertStatus, CaseStatus, CloseReason, ProcedureStatus
from parcours.alerts.models import Alert, NoShowProcedure, ReviewPanelCase
from parcours.alerts.services import raise_alert
from parcours.alerts.tasks import after_outcome, scan_all
from parcours.caseload.team import team_overview
from parcours.orientation.perms import viewer_for
from parcours.plans.services import create_contract
from tests.test_alerts_support import count_queries, follow, meet, travel

PEOPLE = {"DURAND Alice", "LEFEBVRE Bob", "NGUYEN Carla", "MOREAU Dan"}
WORK_QUEUE = reverse("web:work-queue")


def names_in(html: str) -> set:
    return {name for name in PEOPLE if name in html}


def test_the_work_queue_shows_only_my_alerts(world, client_for):
    for someone in (world.bob, world.carla, world.dan):  # Alice is already late in tests/world.py
        follow_up = someone.follow_ups.get()
        follow_up.start_date = timezone.localdate() - datetime.timedelta(days=40)
        follow_up.save(update_fields=["start_date"])
    scan_all()
    expected = {
        "cip": {"DURAND Alice"},
        "cip_out": {"LEFEBVRE Bob"},
        "cip_b": {"NGUYEN Carla"},
        "multi": {"MOREAU Dan"},
        "social_worker": set(),  # in Alice's team, not her referent
        "agency_head": {"DURAND Alice", "LEFEBVRE Bob"},  # the organisations of territory T1 (X), not Y nor Z
    }
    for persona, mine in expected.items():
        response = client_for(persona).get(WORK_QUEUE)
        assert response.status_code == 200, persona
        assert names_in(response.content.decode()) == mine, persona
    assert client_for("orientation_officer").get(WORK_QUEUE).status_code == 403


def test_alerts_are_grouped_by_kind_in_order_and_oldest_first(world, cip, client_for):
    now = timezone.now()
    for i, (first, kind) in enumerate(
        [("Yan", "contract_ending"), ("Xia", "contract_ending"), ("Wes", "two_no_shows")]
    ):
        fu = follow(world, cip, first, "Groupe")[1]
        Alert.objects.filter(pk=raise_alert(fu, kind, detail=f"détail {first}").pk).update(
            raised_at=now - datetime.timedelta(days=i)
        )
    html = client_for("cip").get(WORK_QUEUE).content.decode()
    assert html.index("Deux absences de suite") < html.index("Contrat bientôt échu")
    assert html.index("GROUPE Wes") < html.index("GROUPE Xia") < html.index("GROUPE Yan")  # Xia's is older
    filtered = client_for("cip").get(WORK_QUEUE, {"type": "two_no_shows"}).content.decode()
    assert "GROUPE Wes" in filtered and "GROUPE Xia" not in filtered


def test_marking_an_alert_handled_with_htmx_or_without(world, cip, client_for):
    first = raise_alert(world.follow_up, AlertKind.CADENCE_MISSED, detail="En retard.")
    second = raise_alert(world.follow_up, AlertKind.NO_CONTACT, detail="Sans contact.")
    url = reverse("web:alert-handle", args=[first.pk])

    response = client_for("cip_out").post(url)  # same organisation, not the referent
    assert response.status_code == 404
    first.refresh_from_db()
    assert first.status == AlertStatus.OPEN

    response = client_for("cip").post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="alert-{first.pk}"') and "<html" not in html
    assert "Traitée" in html and "Marquer comme traitée" not in html
    assert "Alerte « Rendez-vous en retard sur la cadence » marquée comme traitée." in html  # out-of-band message
    first.refresh_from_db()
    assert first.status == AlertStatus.DISMISSED and first.handled_by == cip
    assert world.alice.timeline.filter(kind="alert", actor=cip).count() == 1

    response = client_for("agency_head").post(reverse("web:alert-handle", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == WORK_QUEUE
    second.refresh_from_db()
    assert second.status == AlertStatus.DISMISSED
    again = client_for("cip").post(url, follow=True).content.decode()
    assert "Cette alerte était déjà traitée ou sa cause a disparu." in again
    assert 'hx-confirm="Marquer cette alerte comme traitée ?' not in again  # nothing left to handle


def _crowd(world, counselor, n, start):
    for i in range(start, start + n):
        someone, fu = follow(world, counselor, f"P{i:03d}", "Foule")
        meet(someone, fu, counselor, timezone.now() - datetime.timedelta(hours=1), "no_show")
        after_outcome(someone.appointments.get().pk)  # a procedure in progress and a no-show alert each
        for kind in ("cadence_missed", "no_contact", "contract_ending"):
            raise_alert(fu, kind, detail="x")


def test_the_work_queue_costs_the_same_sql_for_3_and_for_30_people(world, cip, client_for):
    clients = {persona: client_for(persona) for persona in ("cip", "agency_head")}
    for client in clients.values():
        client.get(WORK_QUEUE)
    sizes = {}
    for n, start in ((3, 0), (27, 3)):
        _crowd(world, cip, n, start)
        for persona, client in clients.items():
            response, queries = count_queries(lambda c=client: c.get(WORK_QUEUE))
            assert response.status_code == 200
            sizes.setdefault(persona, []).append(len(queries))
            html = response.content.decode()
            assert html.count("FOULE P0") == 5 * (start + n), persona  # 4 alerts and a procedure each
    assert sizes["cip"][0] == sizes["cip"][1] and sizes["agency_head"][0] == sizes["agency_head"][1], sizes
    assert max(sizes["cip"] + sizes["agency_head"]) <= 10, sizes
    print(f"\nfile de travail : {sizes} requêtes SQL (3 puis 30 personnes)")


def test_procedures_in_progress_show_their_next_step(world, cip, client_for):
    someone, fu = follow(world, cip, "Pia", "Relance")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=1), "no_show")
    after_outcome(someone.appointments.get().pk)
    html = client_for("cip").get(WORK_QUEUE).content.decode()
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert "RELANCE Pia" in html and "Nouvelle convocation" in html
    assert f"Courrier de relance le {due:%d/%m/%Y} si la personne ne vient pas d&#x27;ici là." in html
    assert "RELANCE Pia" not in client_for("cip_out").get(WORK_QUEUE).content.decode()


def _case(world, someone, fu, counselor):
    meet(someone, fu, counselor, timezone.now() - datetime.timedelta(hours=1), "no_show")
    after_outcome(someone.appointments.get().pk)
    procedure = NoShowProcedure.objects.get(follow_up=fu)
    from parcours.alerts import procedure as procedures

    procedures.advance(procedure, now=timezone.now(), reason="test")  # letter
    procedures.advance(procedure, now=timezone.now(), reason="test")  # review panel
    return ReviewPanelCase.objects.get(follow_up=fu)


def test_the_agency_head_examines_then_decides_a_case(world, cip, client_for):
    someone, fu = follow(world, cip, "Rita", "Panel")
    case = _case(world, someone, fu, cip)
    head = client_for("agency_head")
    html = head.get(WORK_QUEUE).content.decode()
    assert "PANEL Rita" in html and reverse("web:review-case", args=[case.pk]) in html
    assert "PANEL Rita" in client_for("cip").get(WORK_QUEUE).content.decode()  # as a procedure
    assert reverse("web:review-case", args=[case.pk]) not in client_for("cip").get(WORK_QUEUE).content.decode()

    page = head.get(reverse("web:review-case", args=[case.pk])).content.decode()
    assert "Historique joint" in page and "Absent·e sans excuse" in page and "Courrier" in page
    decide = reverse("web:review-case-decide", args=[case.pk])
    assert head.post(decide, {"action": "examine", "version": 1}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.EXAMINED and case.examined_at is not None

    response = head.post(decide, {"action": "decide", "version": case.version, "decision_kind": "sanction"})
    assert response.status_code == 400
    assert "Motivez la décision en quelques lignes." in response.content.decode()
    stale = head.post(decide, {"action": "decide", "version": 1, "decision_kind": "maintain", "decision": "x"})
    assert stale.status_code == 409 and "modifiée par une autre personne" in stale.content.decode()
    response = head.post(
        decide,
        {"action": "decide", "version": case.version, "decision_kind": "maintain", "decision": "Nouveau départ."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decision == "Nouveau départ."
    procedure = case.procedure
    assert procedure.status == ProcedureStatus.CLOSED and procedure.close_reason == CloseReason.DECIDED
    assert "Maintien de l&#x27;accompagnement" in head.get(reverse("web:review-case", args=[case.pk])).content.decode()


def test_a_case_of_another_agency_answers_404(world, client_for):
    carla_fu = world.carla.follow_ups.get()
    case = _case(world, world.carla, carla_fu, world["cip_b"])
    assert client_for("agency_head").get(reverse("web:review-case", args=[case.pk])).status_code == 404
    response = client_for("agency_head").post(
        reverse("web:review-case-decide", args=[case.pk]), {"action": "examine", "version": 1}
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED


def test_the_main_navigation_links_the_work_queue(world, client_for):
    for persona, shown in (("cip", True), ("agency_head", True), ("orientation_officer", False)):
        html = client_for(persona).get(reverse("web:person-search")).content.decode()
        assert (f'href="{WORK_QUEUE}"' in html) is shown, persona


# --- Agency indicators ---------------------------------------------------------------------------------------


def test_the_team_view_shows_people_seen_within_15_days_and_the_no_show_rate(world, client_for):
    counselor = User.objects.create_user("ind@parcours.test", "x", first_name="Ines", last_name="Indicateur")
    Membership.objects.create(user=counselor, organization=world.org_x, profession=Profession.CIP)
    now = timezone.now()
    ago = lambda days: now - datetime.timedelta(days=days)  # noqa: E731
    recent1, fu1 = follow(world, counselor, "Un", "Vu")
    recent2, fu2 = follow(world, counselor, "Deux", "Vu")
    old, fu3 = follow(world, counselor, "Trois", "Ancien")
    never, fu4 = follow(world, counselor, "Quatre", "Jamais")
    meet(recent1, fu1, counselor, ago(3), "seen")
    meet(recent2, fu2, counselor, ago(14), "seen")
    meet(old, fu3, counselor, ago(20), "seen")
    meet(never, fu4, counselor, ago(30), "no_show")
    meet(never, fu4, counselor, ago(40), "no_show")
    meet(never, fu4, counselor, ago(50), "excused")
    meet(never, fu4, counselor, ago(60), "cancelled")  # no outcome: not counted
    meet(never, fu4, counselor, ago(2))  # planned, outcome not recorded: not counted
    meet(never, fu4, counselor, ago(100), "no_show")  # older than 90 days: not counted
    row = next(c for c in team_overview(viewer_for(world["agency_head"]))["counselors"] if c.user_id == counselor.pk)
    assert (row.caseload, row.seen_recently, row.seen_recently_percent) == (4, 2, 50)
    assert (row.no_shows, row.outcomes, row.no_show_percent) == (2, 6, 33)
    html = client_for("agency_head").get(reverse("web:team")).content.decode()
    assert "Vu·es sous 15 jours" in html and "Absences (90 jours)" in html
    assert '50 %<span class="muted"> (2/4)</span>' in html and '33 %<span class="muted"> (2/6)</span>' in html


def test_the_team_view_costs_the_same_sql_for_3_and_for_30_people(world, cip, client_for):
    client = client_for("agency_head")
    client.get(reverse("web:team"))
    counts = []
    for n, start in ((3, 0), (27, 3)):
        for i in range(start, start + n):
            someone, fu = follow(world, cip, f"T{i}", "Equipe")
            meet(someone, fu, cip, timezone.now() - datetime.timedelta(days=i % 20 + 1), ("seen", "no_show")[i % 2])
        response, queries = count_queries(lambda: client.get(reverse("web:team")))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_contract_and_cases_survive_in_the_snapshot_even_if_changed_later(world, cip):
    someone, fu = follow(world, cip, "Sol", "Fige")
    today = timezone.localdate()
    contract = create_contract(
        fu,
        by=cip,
        kind="engagement",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=170),
        weekly_hours=Decimal(15),
        hours_exemption="none",
    )
    case = _case(world, someone, fu, cip)
    assert case.snapshot["contract"]["label"] == str(contract)
    contract.delete()
    case.refresh_from_db()
    assert case.snapshot["contract"]["label"] == str(contract)
    with travel(timezone.now() + datetime.timedelta(days=1)):
        scan_all()  # the open case's procedure stays at the review panel step
    assert NoShowProcedure.objects.get(follow_up=fu).step == "review_panel"


def test_the_caseload_shows_a_badge_with_my_open_alerts(world, client_for):
    raise_alert(world.follow_up, AlertKind.CADENCE_MISSED, detail="x")
    raise_alert(world.follow_up, AlertKind.NO_CONTACT, detail="x")
    html = client_for("cip").get(reverse("web:caseload")).content.decode()
    assert "2 alertes à traiter dans ma file de travail" in html
    assert (
        "à traiter dans ma file de travail" not in client_for("cip_out").get(reverse("web:caseload")).content.decode()
    )

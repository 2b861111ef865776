"""Ma file active, the agenda and the agency head's team page; SQL statements per page (BENCHMARKS W2)."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership, User
from parcours.agenda.services import plan_appointment, record_outcome
from parcours.diagnostics.services import grade_barrier
from parcours.orientation.enums import Parcours, TeamRole
from parcours.orientation.services import add_team_member, open_follow_up
from parcours.plans.services import add_action, add_goal, create_contract
from tests.world import person

MAX_QUERIES = 12


def add_people(world, counselor, count, start=0):
    """`count` people followed by `counselor`, each with a seen and a planned appointment, a frein, a contract."""
    now = timezone.now()
    today = timezone.localdate()
    for i in range(start, start + count):
        someone = person(world.dept_a, f"Prenom{i:03d}", f"Nom{i:03d}")
        fu = open_follow_up(
            someone,
            by=counselor,
            parcours=Parcours.values[i % 3],
            organization=world.org_x,
            referent=counselor,
            start_date=today - datetime.timedelta(days=90),
        )
        add_team_member(fu, by=counselor, user=counselor, profession=Profession.CIP, role=TeamRole.REFERENT)
        seen = plan_appointment(
            someone,
            follow_up=fu,
            counselor=counselor,
            by=counselor,
            starts_at=now - datetime.timedelta(days=i % 30 + 1),
            kind="follow_up",
            mode="on_site",
        )
        record_outcome(seen, by=counselor, status="seen", report="", expected_version=1)
        plan_appointment(
            someone,
            follow_up=fu,
            counselor=counselor,
            by=counselor,
            starts_at=now + datetime.timedelta(days=i % 9 + 1),
            kind="follow_up",
            mode="phone",
        )
        grade_barrier(fu, barrier="mobility", level="to_work_on", by=counselor)
        contract = create_contract(
            fu,
            by=counselor,
            kind="engagement",
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=150),
            weekly_hours=Decimal(15),
            hours_exemption="none",
        )
        goal = add_goal(contract, by=counselor, title="Emploi")
        add_action(goal, by=counselor, title="CV", owner="beneficiary", due_date=today - datetime.timedelta(days=1))


def caseload_queries(client):
    client.get(reverse("web:caseload"))  # warm-up: what a second visit costs
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:caseload"))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_the_caseload_costs_the_same_sql_for_5_and_for_40_people(world, client_for):
    counselor = User.objects.create_user("charge@parcours.test", "x", first_name="Charge", last_name="Pleine")
    Membership.objects.create(user=counselor, organization=world.org_x, profession=Profession.CIP)
    world.users["counselor"] = counselor
    client = client_for("counselor")

    add_people(world, counselor, 5)
    html, small = caseload_queries(client)
    assert html.count("Prenom0") == 5

    add_people(world, counselor, 35, start=5)
    html, large = caseload_queries(client)
    assert html.count("Prenom0") == 40
    assert "<strong>40</strong> personnes suivies" in html

    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= MAX_QUERIES, "\n".join(large)
    print(f"\nfile active : {len(small)} requêtes SQL pour 5 personnes, {len(large)} pour 40")


def test_the_caseload_lists_my_people_only(world, client_for):
    expected = {
        "cip": {"DURAND Alice"},
        "cip_out": {"LEFEBVRE Bob"},
        "cip_b": {"NGUYEN Carla"},
        "multi": {"MOREAU Dan"},
        "psychologist": {"DURAND Alice"},  # as a team member
        "psychologist_out": set(),
    }
    everybody = {"DURAND Alice", "LEFEBVRE Bob", "NGUYEN Carla", "MOREAU Dan"}
    for persona, mine in expected.items():
        html = client_for(persona).get(reverse("web:caseload")).content.decode()
        assert {name for name in everybody if name in html} == mine, persona


def test_the_caseload_shows_next_appointment_open_freins_and_overdue_actions(world, client_for):
    html = client_for("cip").get(reverse("web:caseload")).content.decode()
    assert reverse("web:person", args=[world.alice.public_id]) in html
    assert "Mobilité" in html  # the open frein graded in tests/world.py
    assert "Santé" in html  # the CIP reads health: the health frein is listed
    html = client_for("digital_advisor").get(reverse("web:caseload")).content.decode()
    assert "Mobilité" in html and "Santé" not in html  # a digital advisor does not


def test_the_caseload_filters_with_htmx_return_the_results_only(world, client_for):
    client = client_for("cip")
    response = client.get(reverse("web:caseload"), {"q": "dur"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="caseload-results"') and "<html" not in html
    assert "DURAND Alice" in html
    html = client.get(reverse("web:caseload"), {"q": "zzz"}, headers={"HX-Request": "true"}).content.decode()
    assert "Aucune personne ne correspond à ces critères." in html


def test_the_agenda_shows_my_appointments_of_the_week(world, client_for):
    day = world.appointment_future.starts_at
    week = timezone.localtime(day).date().isoformat()
    html = client_for("cip").get(reverse("web:agenda"), {"semaine": week}).content.decode()
    assert "DURAND Alice" in html
    html = client_for("psychologist").get(reverse("web:agenda"), {"semaine": week}).content.decode()
    assert "DURAND Alice" not in html  # not their appointment
    assert client_for("cip").get(reverse("web:agenda"), {"semaine": "pas-une-date"}).status_code == 200


def test_the_team_page_shows_the_counselors_of_the_territory(world, client_for):
    html = client_for("agency_head").get(reverse("web:team")).content.decode()
    for name in ("Camille Martin", "Cyril Hors-Equipe", "Samia Benali"):
        assert name in html
    assert "Bea Paris" not in html  # département B


def test_the_health_frein_follows_the_profession_held_in_each_team(world, client_for):
    """A digital advisor in Alice's team who is also a psychologist at Y does not see Alice's health frein: health
    is read through a health profession *in that care team* (TEAM_SECTIONS), as on the file itself."""
    Membership.objects.create(
        user=world["digital_advisor"], organization=world.org_y, profession=Profession.PSYCHOLOGIST
    )
    client = client_for("digital_advisor")
    html = client.get(reverse("web:caseload")).content.decode()
    assert "DURAND Alice" in html and "Mobilité" in html
    assert "Santé" not in html
    assert "Santé" in client_for("psychologist").get(reverse("web:caseload")).content.decode()


def test_names_in_the_caseload_rows_are_escaped(world, client_for):
    world.alice.first_name = '<script>alert("x")</script>'
    world.alice.save(update_fields=["first_name"])
    html = client_for("cip").get(reverse("web:caseload")).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_person_search_finds_only_the_files_the_viewer_may_open(world, client_for):
    url = reverse("web:person-search")
    assert "DURAND Alice" in client_for("cip").get(url, {"q": "durand"}).content.decode()
    assert "DURAND Alice" in client_for("orientation_officer").get(url, {"q": "alice dur"}).content.decode()
    html = client_for("cip_out").get(url, {"q": "durand"}).content.decode()
    assert "DURAND Alice" not in html and "Aucun dossier accessible" in html
    assert "DURAND" not in client_for("cip_b").get(url, {"q": "durand"}).content.decode()
    partial = client_for("cip").get(url, {"q": "d"}, headers={"HX-Request": "true"}).content.decode()
    assert "au moins deux caractères" in partial and "<html" not in partial

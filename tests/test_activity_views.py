"""The hours pages: a person's week (navigation, table by source, adding and deleting an activity) and the weekly
view of « Ma file active » with the people far below their target highlighted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.activity.hours import monday
from parcours.activity.models import ActivityEntry
from parcours.journal.models import TimelineEvent
from tests.test_activity import build_week, past_week
from tests.test_workshops_support import followed_people


def person_url(world, week=None):
    url = reverse("web:activity-person", args=[world.alice.public_id])
    return f"{url}?semaine={week:%Y-%m-%d}" if week else url


def test_the_persons_week_shows_each_source_against_the_target(world, client_for):
    week = past_week()
    build_week(world, world.alice, week)
    page = client_for("cip").get(person_url(world, week)).content.decode()
    assert "Cible de la semaine : 15 h" in page
    assert "15 h par semaine inscrites au contrat du" in page
    assert (
        '<tr id="hours-services"><th scope="row">Services en cours (orientations)</th><td>6 h</td><td>5 h</td></tr>'
        in page
    )
    assert "<strong>30,8 h</strong> prévues, <strong>21,5 h</strong> réalisées." in page
    assert f"?semaine={week - datetime.timedelta(days=7):%Y-%m-%d}" in page  # previous week
    assert "Boulangerie" in page
    # Another day of the same week shows the same week.
    same = client_for("cip").get(person_url(world, week + datetime.timedelta(days=3))).content.decode()
    assert "<strong>30,8 h</strong> prévues" in same
    # The orientation officer reads it, without the form; the socio-esthetician does not read this section.
    officer = client_for("orientation_officer").get(person_url(world, week)).content.decode()
    assert "Cible de la semaine" in officer and "Ajouter une activité" not in officer
    assert client_for("socio_esthetician").get(person_url(world)).status_code == 403
    assert client_for("cip_out").get(person_url(world)).status_code == 404


def test_adding_and_deleting_an_activity(world, client_for):
    client = client_for("cip")
    day = monday(timezone.localdate()) - datetime.timedelta(days=5)  # last Wednesday
    url = reverse("web:activity-entry-create", args=[world.alice.public_id])
    response = client.post(
        url,
        {
            "kind": "siae_work",
            "date": day.isoformat(),
            "planned_hours": "7",
            "done_hours": "6,5",
            "label": "Chantier Y",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == person_url(world, day)
    entry = ActivityEntry.objects.get()
    assert (entry.kind, float(entry.planned_hours), float(entry.done_hours), entry.created_by) == (
        "siae_work",
        7.0,
        6.5,
        world["cip"],
    )
    timeline = TimelineEvent.objects.filter(beneficiary=world.alice, kind="activity").get()
    assert timeline.summary == (
        f"Activité ajoutée : travail en siae (Chantier Y) le {day:%d/%m/%Y}, 7 h prévues, 6,5 h réalisées."
    )
    page = client.get(response["Location"]).content.decode()
    assert '<tr id="hours-siae_work"><th scope="row">Travail en SIAE</th><td>7 h</td><td>6,5 h</td></tr>' in page

    for bad, message in [
        ({"kind": "immersion", "date": day.isoformat(), "done_hours": "30"}, "inférieure ou égale à 24"),
        ({"kind": "immersion", "date": day.isoformat()}, "Indiquez des heures prévues ou réalisées."),
    ]:
        response = client.post(url, bad)
        assert response.status_code == 400 and message in response.content.decode()
    assert ActivityEntry.objects.count() == 1

    delete = reverse("web:activity-entry-delete", args=[world.alice.public_id, entry.pk])
    assert client.post(delete).status_code == 400  # not confirmed
    assert client.post(delete, {"confirm": "on"}).status_code == 302
    assert not ActivityEntry.objects.exists()
    assert TimelineEvent.objects.filter(beneficiary=world.alice, summary__startswith="Activité supprimée").exists()
    # The agency head reads the hours but does not write them.
    assert (
        client_for("agency_head").post(url, {"kind": "other", "date": day.isoformat(), "done_hours": 1}).status_code
        == 403
    )


def test_the_caseload_week_highlights_people_far_below_their_target(world, client_for):
    week = past_week()
    busy, idle = followed_people(world, 2)
    build_week(world, busy, week)
    page = client_for("cip").get(reverse("web:activity-caseload"), {"semaine": week.isoformat()}).content.decode()
    assert "2 très en dessous de la cible" in page  # Alice (15 h by contract) and idle (15 h by default): 0 h
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    far = [r for r in rows if "hours-far-below" in r]
    assert len(far) == 2 and not any("Personne0" in r for r in far)
    assert any("DURAND Alice" in r and "−15 h" in r for r in far)
    assert any("Personne0" in r and "21,5 h" in r and "atteinte" in r for r in rows)
    assert "(sans contrat)" in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("extra", [2, 8])
def test_the_hours_pages_issue_the_same_queries_whatever_the_number_of_people(world, client_for, extra):
    client = client_for("cip")
    week = past_week()
    build_week(world, world.alice, week)
    urls = [f"{reverse('web:activity-caseload')}?semaine={week:%Y-%m-%d}", person_url(world, week)]
    [_queries(client, url) for url in urls]  # warm up (session, dated rules)
    before = [_queries(client, url) for url in urls]
    for p in followed_people(world, extra):
        build_week(world, p, week)
    [_queries(client, url) for url in urls]  # people without contract: the dated 15 h rule is read (then cached)
    assert [_queries(client, url) for url in urls] == before

"""« Doublons à examiner »: the queue, merge / different people / undo from the page, scope, merged files."""

import datetime
import html as html_lib

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.accounts.enums import Profession
from parcours.accounts.models import Membership
from parcours.intake.enums import SuspectStatus
from parcours.intake.merge import merge
from parcours.intake.models import DuplicateSuspect, MergeRecord
from parcours.orientation.enums import Parcours
from parcours.orientation.services import open_follow_up
from parcours.people.models import Beneficiary
from tests.test_intake_merge import imported_twin, suspect_for
from tests.world import ALICE_NIR, ALICE_NIR_FORMATTED, ALICE_NIR_MASKED, person

QUEUE = reverse("web:duplicates")


def page(client, url=QUEUE):
    response = client.get(url)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def officer_of_b(world):
    user = type(world["cip"]).objects.create_user("orientation-b@parcours.test", "x", first_name="Oscar")
    Membership.objects.create(user=user, organization=world.org_z, profession=Profession.ORIENTATION_OFFICER)
    return user


def test_the_queue_shows_each_pair_side_by_side(world, client_for):
    twin = imported_twin(world)
    suspect_for(world, world.alice, twin, score=0.87)
    html = page(client_for("orientation_officer"))
    assert "Doublons à examiner" in html and "Score 87 %" in html
    assert "même date de naissance, même nom et prénom" in html
    assert ALICE_NIR_MASKED in html and ALICE_NIR_FORMATTED not in html and ALICE_NIR not in html
    assert "2089564" in html and "3 rue des Lilas" in html  # the twin's CAF number and address
    assert "en cours</strong>, référent·e : Camille Martin" in html  # Alice's follow-up
    assert "Courriel" not in html and "Flux CAF/MSA, le 05/01/2026" in html  # provenance of the twin's values
    assert "Fusionner (garder la fiche de gauche)" in html and "Fusionner (garder la fiche de droite)" in html
    assert "Personnes différentes" in html


def test_a_pair_across_departements_is_shown_with_a_warning_and_cannot_be_merged(world, client_for):
    elsewhere = person(world.dept_b, "Alice", "Durand", birth_date=world.alice.birth_date, caf_number="7777777")
    suspect = DuplicateSuspect.objects.create(
        department=world.dept_a, existing=elsewhere, incoming=world.alice, score=0.99, reasons=["même NIR"]
    )
    client = client_for("orientation_officer")
    html = page(client)
    assert "Personne connue dans un autre département : fusion impossible, vérifiez un déménagement" in html
    assert "Paris (75)" in html and "Fusionner (garder" not in html and "Personnes différentes" in html
    assert "7777777" not in html  # of the other département, only what identifies the person is shown
    response = client.post(reverse("web:duplicate-merge", args=[suspect.pk]), {"keep": "incoming"}, follow=True)
    assert "fusion impossible" in response.content.decode()
    assert Beneficiary.objects.get(pk=elsewhere.pk).merged_into_id is None
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == SuspectStatus.OPEN


def test_two_open_follow_ups_show_why_and_no_merge_button(world, client_for):
    suspect_for(world, world.alice, world.bob)
    html = page(client_for("orientation_officer"))
    assert "Clôturez d'abord l'un des deux accompagnements" in html and "Fusionner (garder" not in html


def test_merge_then_undo_from_the_page(world, client_for):
    twin = imported_twin(world)
    suspect = suspect_for(world, world.alice, twin)
    client = client_for("orientation_officer")
    response = client.post(reverse("web:duplicate-merge", args=[suspect.pk]), {"keep": "incoming", "tri": "score"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?tri=score"
    html = page(client)
    assert "Fiches fusionnées : le dossier de Alice DURAND (née MARTIN) réunit désormais les deux." in html
    assert "Aucun doublon à examiner." in html and "Annuler la fusion" in html
    assert Beneficiary.objects.get(pk=world.alice.pk).merged_into_id == twin.pk
    assert Beneficiary.objects.get(pk=twin.pk).nir == ALICE_NIR

    record = MergeRecord.objects.get()
    response = client.post(reverse("web:merge-undo", args=[record.pk]), follow=True)
    html = response.content.decode()
    assert "Fusion annulée" in html and "Annulée le" in html
    assert Beneficiary.objects.get(pk=world.alice.pk).merged_into_id is None
    assert Beneficiary.objects.get(pk=world.alice.pk).nir == ALICE_NIR
    assert "Fusionner (garder la fiche de gauche)" in html  # the pair is back in the queue


def test_an_empty_merge_is_refused_with_400_and_nothing_changes(world, client_for):
    suspect = suspect_for(world, world.alice, imported_twin(world))
    response = client_for("orientation_officer").post(reverse("web:duplicate-merge", args=[suspect.pk]), {})
    assert response.status_code == 400 and "Choisissez la fiche à garder." in response.content.decode()
    assert not MergeRecord.objects.exists()


def test_different_people_leave_the_queue(world, client_for):
    suspect = suspect_for(world, world.alice, imported_twin(world))
    client = client_for("administrator")
    response = client.post(reverse("web:duplicate-distinct", args=[suspect.pk]), follow=True)
    html = response.content.decode()
    assert "ce sont deux personnes différentes" in html and "Aucun doublon à examiner." in html
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == SuspectStatus.DISTINCT


def test_another_departement_gets_404_and_does_not_see_the_pair(world, client):
    suspect = suspect_for(world, world.alice, imported_twin(world))
    record = merge(
        suspect_for(world, world.bob, person(world.dept_a, "Bob", "Lefebvre")), by=world["cip"], survivor=world.bob
    )
    client.force_login(officer_of_b(world))
    html = page(client)
    assert "Aucun doublon à examiner." in html and "Aucune fusion pour l'instant." in html
    assert client.post(reverse("web:duplicate-merge", args=[suspect.pk]), {"keep": "existing"}).status_code == 404
    assert client.post(reverse("web:duplicate-distinct", args=[suspect.pk])).status_code == 404
    assert client.post(reverse("web:merge-undo", args=[record.pk])).status_code == 404
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == SuspectStatus.OPEN
    assert MergeRecord.objects.get(pk=record.pk).undone_at is None


def test_the_agency_head_reviews_the_pairs_of_the_territory_only(world, client_for):
    ours = suspect_for(world, world.bob, person(world.dept_a, "Bob", "Lefebvre"))  # Bob: followed in X (T1)
    theirs = suspect_for(world, world.dan, person(world.dept_a, "Dan", "Moreau"))  # Dan: followed in Y
    client = client_for("agency_head")
    html = page(client)
    assert f'id="pair-{ours.pk}"' in html and f'id="pair-{theirs.pk}"' not in html
    assert client.post(reverse("web:duplicate-distinct", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("web:duplicate-distinct", args=[ours.pk])).status_code == 302


def test_only_reviewers_see_the_queue_and_its_menu_entry(world, client_for):
    siae_admin = type(world["cip"]).objects.create_user("gestion-y@parcours.test", "x")
    Membership.objects.create(user=siae_admin, organization=world.org_y, profession=Profession.ADMINISTRATOR)
    assert client_for("cip").get(QUEUE).status_code == 403
    assert f'href="{QUEUE}"' not in page(client_for("cip"), reverse("web:caseload"))
    assert f'href="{QUEUE}"' in page(client_for("orientation_officer"))
    client = client_for("anonymous")
    client.force_login(siae_admin)  # an SIAE's administrator is not the département's
    assert client.get(QUEUE).status_code == 403


def test_the_queue_costs_the_same_number_of_queries_for_1_or_25_pairs(world, client_for):
    client = client_for("orientation_officer")

    def add_pairs(n, start):
        for i in range(start, start + n):
            existing = person(world.dept_a, f"Paul{i}", "Martin", birth_date=datetime.date(1980, 1, 1 + i % 28))
            open_follow_up(existing, by=world["cip"], parcours=Parcours.PRO, organization=world.org_x)
            incoming = person(world.dept_a, f"Paul{i}", "MARTIN", caf_number=f"9{i:06d}")
            suspect_for(world, existing, incoming)
            if i % 2:
                merge((existing, incoming), by=world["orientation_officer"], survivor=existing)

    def count():
        with CaptureQueriesContext(connection) as queries:
            page(client)
        return len(queries)

    add_pairs(2, 0)
    page(client)  # the first request of a session costs its own queries
    few = count()
    add_pairs(40, 2)
    many = count()
    assert few == many, (few, many)
    assert "Page 1 sur" in page(client)


def test_the_address_of_a_merged_file_leads_to_the_survivor(world, client_for):
    twin = imported_twin(world)
    merge(suspect_for(world, world.alice, twin), by=world["orientation_officer"], survivor=twin)
    alice_url = reverse("web:person", args=[world.alice.public_id])
    # The CIP follows the survivor now (the follow-up moved): Alice's old address points to it.
    html = page(client_for("cip"), alice_url)
    assert "Fiche fusionnée dans celle de" in html and reverse("web:person", args=[twin.public_id]) in html
    html = page(client_for("cip"), reverse("web:person-summary", args=[world.alice.public_id]))
    assert "Fiche fusionnée dans celle de" in html
    # The survivor's file shows the absorbed file's history, marked as such.
    html = page(client_for("cip"), reverse("web:person", args=[twin.public_id]))
    assert '<span class="tag">fiche fusionnée</span>' in html and "Fiche créée par l'import" in html
    # The orientation officer opens any file of the département: the absorbed file, with the banner.
    html = page(client_for("orientation_officer"), alice_url)
    assert "Fiche fusionnée dans celle de" in html and "Aucun accompagnement en cours" in html
    # Someone who may not open the survivor gets the plain 404.
    assert client_for("cip_out").get(alice_url).status_code == 404
    assert client_for("cip_b").get(alice_url).status_code == 404

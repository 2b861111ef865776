"""« Trouver un service »: filters, order, reasons, remote services; suggestions from the person's freins."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.catalogue.models import BarrierThemes
from parcours.catalogue.search import search
from parcours.catalogue.services import moderate
from parcours.catalogue.suggest import for_person
from parcours.diagnostics.services import grade_barrier
from tests.test_catalogue_support import BOBIGNY, LYON, MONTREUIL, PANTIN, commune, make_service


def names(hits):
    return [h.service.name for h in hits]


def test_sorted_by_distance_within_the_radius_with_reasons(db):
    make_service(code=MONTREUIL, name="Montreuil")
    make_service(code=LYON, name="Lyon")
    make_service(code=PANTIN, name="Pantin", fees="gratuit")
    make_service(code=BOBIGNY, name="Bobigny")
    hits = search(commune=BOBIGNY, radius_km=10, themes=["mobilite"])
    assert names(hits) == ["Bobigny", "Pantin", "Montreuil"]
    assert [h.distance_km for h in hits] == sorted(h.distance_km for h in hits)
    pantin = hits[1]
    assert re.fullmatch(r"à \d,\d km", pantin.reasons[0]) and 3 < pantin.distance_km < 6
    assert pantin.reasons[1:] == ["thématique : Mobilité", "gratuit"]
    assert names(search(commune=BOBIGNY, radius_km=4.5, themes=["mobilite"])) == ["Bobigny", "Pantin"]
    bobigny = commune(BOBIGNY)
    assert names(search(point=(bobigny.latitude, bobigny.longitude), radius_km=2)) == ["Bobigny"]


def test_a_category_matches_its_thematiques_not_the_reverse(db):
    make_service(name="Permis", themes=["mobilite--preparer-un-permis"])
    make_service(name="Vélo", themes=["mobilite--mobilite-douce-partagee-collective"])
    make_service(name="Numérique", themes=["numerique--acquerir-un-equipement"])
    assert sorted(names(search(commune=BOBIGNY, themes=["mobilite"]))) == ["Permis", "Vélo"]
    hits = search(commune=BOBIGNY, themes=["mobilite--preparer-un-permis", "numerique"])
    assert sorted(names(hits)) == ["Numérique", "Permis"]
    permis = next(h for h in hits if h.service.name == "Permis")
    assert "thématique : Préparer un permis" in permis.reasons
    assert sorted(names(search(commune=BOBIGNY))) == ["Numérique", "Permis", "Vélo"]  # no thématique: all


def test_type_mode_public_fees_sector_and_text_filters(db):
    make_service(name="Atelier CV", service_types=["atelier"], publics=["tous-publics"], fees="gratuit")
    make_service(name="Épicerie solidaire", service_types=["aide-materielle"], publics=["femmes"], fees="payant",
                 sectors=["sustainable_food"])  # fmt: skip
    make_service(name="Formation", service_types=["formation"], publics=["jeunes"], reception_modes=["a-distance"])
    assert names(search(commune=BOBIGNY, types=["atelier"])) == ["Atelier CV"]
    assert sorted(names(search(commune=BOBIGNY, publics=["jeunes"]))) == ["Atelier CV", "Formation"]
    assert names(search(commune=BOBIGNY, fees=["payant"])) == ["Épicerie solidaire"]
    assert names(search(commune=BOBIGNY, reception_modes=["en-presentiel"], fees=["gratuit"])) == ["Atelier CV"]
    assert names(search(commune=BOBIGNY, sectors=["sustainable_food"])) == ["Épicerie solidaire"]
    for text in ("epicerie", "ÉPICERIE solidaire", "Epicérie"):
        assert names(search(commune=BOBIGNY, text=text)) == ["Épicerie solidaire"], text
    assert search(commune=BOBIGNY, text="garage") == []
    hit = search(commune=BOBIGNY, publics=["jeunes"], types=["atelier"])[0]
    assert "tous publics" in hit.reasons and "type : Atelier" in hit.reasons


def test_a_remote_service_matches_everywhere_in_its_zone(db):
    make_service(code=LYON, name="Conseil logement 93", reception_modes=["a-distance"], zone=["93"],
                 themes=["logement-hebergement--louer-un-logement"])  # fmt: skip
    make_service(code=LYON, name="Conseil national", reception_modes=["a-distance"], zone=["france"],
                 themes=["logement-hebergement--louer-un-logement"])  # fmt: skip
    make_service(code=LYON, name="Conseil Rhône", reception_modes=["a-distance"], zone=["69"],
                 themes=["logement-hebergement--louer-un-logement"])  # fmt: skip
    make_service(code=LYON, name="Sur place à Lyon", themes=["logement-hebergement--louer-un-logement"])
    hits = search(commune=BOBIGNY, radius_km=10, themes=["logement-hebergement"])
    assert sorted(names(hits)) == ["Conseil logement 93", "Conseil national"]
    assert all(h.remote and h.reasons[0] == "à distance, dans sa zone" for h in hits)
    assert search(commune=BOBIGNY, themes=["logement-hebergement"], reception_modes=["en-presentiel"]) == []
    assert sorted(names(search(commune="69123", radius_km=5, themes=["logement-hebergement"]))) == [
        "Conseil Rhône", "Conseil national", "Sur place à Lyon",
    ]  # fmt: skip


def test_moderation_removes_and_restores_a_service_in_the_search(world):
    service = make_service(name="Garage solidaire")
    moderate(service, action="suspend", reason="Structure fermée", by=world["administrator"])
    assert search(commune=BOBIGNY, themes=["mobilite"]) == []
    moderate(service, action="publish", reason="", by=world["administrator"])
    assert names(search(commune=BOBIGNY, themes=["mobilite"])) == ["Garage solidaire"]


def test_suggestions_answer_the_open_freins_near_home(world):
    alice = world.alice  # freins « mobilité » and « santé » to work on (tests/world.py)
    alice.commune = commune(BOBIGNY)
    alice.save(update_fields=["commune"])
    make_service(code=PANTIN, name="Auto-école sociale", themes=["mobilite--preparer-un-permis"])
    make_service(code=BOBIGNY, name="CMP", themes=["sante--sante-mentale"])
    make_service(code=BOBIGNY, name="Conseil logement", themes=["logement-hebergement--louer-un-logement"])
    make_service(code=LYON, name="Garage lointain", themes=["mobilite--entretenir-reparer-son-vehicule"])
    hits = for_person(alice)
    assert sorted(names(hits)) == ["Auto-école sociale", "CMP"]
    by_name = {h.service.name: h for h in hits}
    assert by_name["Auto-école sociale"].reasons[0] == "répond au frein : Mobilité"
    assert by_name["CMP"].reasons[0] == "répond au frein : Santé"
    # The health frein follows the health section: a viewer who may not read it gets no health suggestion.
    assert names(for_person(alice, barriers=["mobility"])) == ["Auto-école sociale"]
    grade_barrier(world.follow_up, barrier="mobility", level="lifted", by=world["cip"])
    assert names(for_person(alice)) == ["CMP"]
    BarrierThemes.objects.filter(barrier="health").update(themes=["logement-hebergement"])  # an administrator's edit
    assert names(for_person(alice)) == ["Conseil logement"]
    alice.commune = None
    alice.save(update_fields=["commune"])
    assert for_person(alice) == []


def _page_queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:catalogue-search"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_search_page_results_and_constant_sql_count(world, client_for):
    client = client_for("cip")
    params = {"commune": "Bobigny (93008)", "radius": "10", "themes": ["mobilite"], "mode": "en-presentiel"}
    make_service(code=PANTIN, name="Auto-école sociale", fees="gratuit")
    client.get(reverse("web:catalogue-search"), params)  # warm the per-process caches
    few, response = _page_queries(client, params)
    html = response.content.decode()
    assert "Auto-école sociale" in html and "thématique : Mobilité" in html and "gratuit" in html
    for i in range(15):
        make_service(code=[BOBIGNY, PANTIN, MONTREUIL][i % 3], name=f"Service {i}")
    many, response = _page_queries(client, params)
    assert response.content.decode().count('class="service-hit"') == 16
    assert many == few <= 7  # session, user, memberships, commune, candidates, services (+ remote ones)
    partial = client.get(
        reverse("web:catalogue-search"), params, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert partial.content.decode().lstrip().startswith('<section id="results"')


def test_search_page_unknown_commune_and_empty_state(world, client_for):
    client = client_for("cip")
    html = client.get(reverse("web:catalogue-search")).content.decode()
    assert "Choisissez une commune, une thématique ou des mots-clés." in html
    html = client.get(reverse("web:catalogue-search"), {"commune": "Atlantide"}).content.decode()
    assert "Commune introuvable" in html


def test_search_for_a_person_starts_from_their_commune(world, client_for):
    alice = world.alice
    alice.commune = commune(PANTIN)
    alice.save(update_fields=["commune"])
    make_service(code=PANTIN, name="Auto-école sociale")
    html = client_for("cip").get(reverse("web:catalogue-search"), {"personne": alice.public_id}).content.decode()
    assert "Pantin (93055)" in html and "Auto-école sociale" in html
    html = client_for("cip_b").get(reverse("web:catalogue-search"), {"personne": alice.public_id}).content.decode()
    assert "Alice" not in html  # a file the viewer may not open is ignored


def test_person_file_shows_suggested_services(world, client_for):
    alice = world.alice
    alice.commune = commune(BOBIGNY)
    alice.save(update_fields=["commune"])
    make_service(code=BOBIGNY, name="Consultations psychologiques", themes=["sante--sante-mentale"])
    make_service(code=BOBIGNY, name="Auto-école sociale")
    url = reverse("web:person", args=[alice.public_id])
    html = client_for("cip").get(url).content.decode()
    assert "Services suggérés" in html and "Consultations psychologiques" in html and "Auto-école sociale" in html
    html = client_for("digital_advisor").get(url).content.decode()  # no health section: no health suggestion
    assert "Auto-école sociale" in html and "Consultations psychologiques" not in html

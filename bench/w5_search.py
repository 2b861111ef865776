"""W5, service search (BENCHMARKS.md §6.2 and §4.6): 140,000 services / 100,000 structures over France's communes.

    python -m bench.w5_search --backend sqlite --out var/w5-sqlite.json
    python -m bench.w5_search --backend postgresql        # database parcours_bench_g

On its own database (var/bench-w5.sqlite3 or parcours_bench_g; built once, reused while it holds the same
counts, --rebuild to start again):

1. dataset: structures in communes drawn by population (services clustered like people), 1–2 services each,
   1–4 thématiques drawn with realistic weights, modes d'accueil (15 % remote only, with a département or national
   zone), publics, fees; the search index rows (SearchPoint, RemoteArea) written in bulk; ANALYZE;
2. ≥ 200 queries, each a commune drawn by population + radius (10, 20 or 50 km) + 1–3 thématiques + modes
   d'accueil, run twice in the same loop: the limit probe (the indexed SQL alone: bounding box + token index +
   filters, ORDER BY distance LIMIT, and the remote-zone query; rows fetched as tuples, no Python work) and the
   full `catalogue.search.search()` (commune lookup, both queries, services loaded, haversine, reasons);
3. p50 / p95 of each; SQL statements per search. Target: search p95 ≤ 50 ms on PostgreSQL, ≤ 100 ms on SQLite.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
STRUCTURES = 100_000
SERVICES = 140_000
LIMIT = 50
TARGET_MS = {"postgresql": 50.0, "sqlite": 100.0}
RADII = (10, 20, 50)
# Relative frequency of each catégorie in the data·inclusion offer (employment and access to rights dominate).
CATEGORY_WEIGHTS = {
    "trouver-un-emploi": 14, "preparer-sa-candidature": 12, "choisir-un-metier": 8, "se-former": 8,
    "difficultes-administratives-ou-juridiques": 10, "numerique": 9, "mobilite": 7, "remobilisation": 6,
    "sante": 6, "famille": 5, "logement-hebergement": 5, "difficultes-financieres": 4,
    "equipement-et-alimentation": 4, "lecture-ecriture-calcul": 3, "creer-une-entreprise": 3,
    "souvrir-a-linternational": 1,
}  # fmt: skip


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench-w5.sqlite3'}"
    from bench.datasets import PG_SERVER, ensure_postgres, pg_exists, pg_recreate

    ensure_postgres()
    if not pg_exists("parcours_bench_g"):
        pg_recreate("parcours_bench_g")
    return f"{PG_SERVER}/parcours_bench_g"


def reset(backend: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{ROOT / 'var' / 'bench-w5.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        from bench.datasets import pg_recreate

        pg_recreate("parcours_bench_g")


def setup_django(url: str) -> None:
    os.environ.update(DATABASE_URL=url, PARCOURS_ENV="test", DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _themes(rng, by_category) -> list[str]:
    categories = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()), k=rng.randint(1, 3))
    themes = {rng.choice(by_category[c]) for c in categories}
    if rng.random() < 0.3:
        themes.add(rng.choice(by_category[categories[0]]))
    return sorted(themes)


def build(seed: int = 5) -> float:
    """Write the dataset; returns its build time in seconds."""
    from django.db import connection

    from parcours.catalogue import indexing, vocabulary as v
    from parcours.catalogue.models import RemoteArea, SearchPoint, Service, Structure
    from parcours.organizations.models import Commune

    started = time.monotonic()
    rng = random.Random(seed)
    communes = list(Commune.objects.filter(latitude__isnull=False, population__gt=0))
    weights = [c.population for c in communes]
    by_category = v.themes_by_category()
    types = [c for c, _ in v.SERVICE_TYPE_CHOICES]
    publics = [c for c, _ in v.PUBLIC_CHOICES if c != v.ALL_PUBLICS]
    if connection.vendor == "postgresql":  # the web's statement timeout is not meant for a bulk load
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    places = rng.choices(communes, weights=weights, k=STRUCTURES)
    structures = [
        Structure(
            source="bench",
            source_id=f"bench--s{i}",
            name=f"Structure {i} — {c.name}"[:150],
            commune=c,
            city=c.name,
            insee_code=c.insee_code,
            latitude=round(c.latitude + rng.uniform(-0.012, 0.012), 6),
            longitude=round(c.longitude + rng.uniform(-0.016, 0.016), 6),
        )
        for i, c in enumerate(places)
    ]
    Structure.objects.bulk_create(structures, batch_size=5000)
    owners = structures + rng.sample(structures, SERVICES - STRUCTURES)
    services = []
    for i, s in enumerate(owners):
        draw = rng.random()
        modes = (
            ["en-presentiel"] if draw < 0.7 else (["en-presentiel", "a-distance"] if draw < 0.85 else ["a-distance"])
        )
        zone = []
        if "a-distance" in modes:
            zone = ["france"] if rng.random() < 0.05 else [s.commune.department_code]
        service = Service(
            structure=s,
            source="bench",
            source_id=f"bench--v{i}",
            name=f"Service {i}",
            description="Accompagnement de proximité pour les personnes éloignées de l'emploi.",
            themes=_themes(rng, by_category),
            service_types=[rng.choice(types)],
            reception_modes=modes,
            publics=[v.ALL_PUBLICS] if rng.random() < 0.5 else rng.sample(publics, rng.randint(1, 2)),
            fees=v.FREE if rng.random() < 0.8 else "payant",
            zone=zone,
            commune=s.commune,
            city=s.city,
            insee_code=s.insee_code,
            latitude=s.latitude,
            longitude=s.longitude,
        )
        indexing.prepare(service)
        services.append(service)
    Service.objects.bulk_create(services, batch_size=5000)
    points, areas = [], []
    for service in services:
        p, a = indexing.rows_for(service, service.commune.department_code)
        points += p
        areas += a
    SearchPoint.objects.bulk_create(points, batch_size=10_000)
    RemoteArea.objects.bulk_create(areas, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE catalogue_searchpoint")
            cursor.execute("VACUUM ANALYZE catalogue_service")
            cursor.execute("VACUUM ANALYZE catalogue_remotearea")
    print(f"  {len(structures)} structures, {len(services)} services, {len(points)} points, {len(areas)} zones")
    return time.monotonic() - started


def queries(n: int, seed: int = 11) -> list[dict]:
    from parcours.catalogue import vocabulary as v
    from parcours.organizations.models import Commune

    rng = random.Random(seed)
    communes = list(Commune.objects.filter(latitude__isnull=False, population__gt=0).only("insee_code", "population"))
    places = rng.choices(communes, weights=[c.population for c in communes], k=n)
    by_category = v.themes_by_category()
    result = []
    for place in places:
        themes = []
        for category in rng.choices(
            list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()), k=rng.randint(1, 3)
        ):
            themes.append(category if rng.random() < 0.3 else rng.choice(by_category[category]))
        draw = rng.random()
        modes = (
            ["en-presentiel"] if draw < 0.6 else (["a-distance"] if draw < 0.8 else ["en-presentiel", "a-distance"])
        )
        result.append(
            {
                "commune": place.insee_code,
                "radius_km": rng.choice(RADII),
                "themes": sorted(set(themes)),
                "reception_modes": modes,
            }
        )
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(params: list[dict]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parcours.catalogue.search import criteria, nearby_candidates, remote_candidates, search
    from parcours.organizations.models import Commune

    communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in={p["commune"] for p in params})}

    def probe(p):
        c = criteria(**{**p, "commune": communes[p["commune"]]})
        rows = list(nearby_candidates(c, LIMIT + 4)) if "en-presentiel" in p["reception_modes"] else []
        if "a-distance" in p["reception_modes"]:
            rows += list(remote_candidates(c, max(LIMIT // 5, LIMIT - len(rows))))
        return rows

    for p in params[:20]:  # warm-up: caches, prepared plans
        probe(p)
        search(**p, limit=LIMIT)
    probe_ms, search_ms, hits, statements = [], [], [], []
    for p in params:
        started = time.perf_counter()
        probe(p)
        probe_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            found = search(**p, limit=LIMIT)
        search_ms.append((time.perf_counter() - started) * 1000)
        hits.append(len(found))
        statements.append(len(ctx.captured_queries))
    return {"probe": probe_ms, "search": search_ms, "hits": hits, "statements": statements}


def records(backend: str, d: dict, build_s: float | None) -> list[dict]:
    target = TARGET_MS[backend]

    def row(metric, value, unit, *, limit=None, target=None, passed=None) -> dict:
        ratio = round(limit / value, 3) if limit is not None and value else None
        return {
            "workload": "W5", "tier": "140k", "backend": backend, "rows": SERVICES, "metric": metric,
            "value": value, "unit": unit, "limit": limit, "ratio": ratio, "target": target, "pass": passed,
        }  # fmt: skip

    rows = []
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        value, limit = round(percentile(d["search"], q), 2), round(percentile(d["probe"], q), 2)
        goal = f"≤ {target:g} ms" if name == "p95" else None
        rows.append(
            row(f"search_{name}", value, "ms", limit=limit, target=goal, passed=value <= target if goal else None)
        )
        rows.append(row(f"probe_{name}", limit, "ms"))
    worst = max(d["statements"])
    rows.append(row("sql_per_search", worst, "statements", target="≤ 4", passed=worst <= 4))
    rows.append(row("hits_mean", round(statistics.mean(d["hits"]), 1), "services"))
    rows.append(row("queries", len(d["search"]), "searches", target="≥ 200", passed=len(d["search"]) >= 200))
    if build_s is not None:
        rows.append(row("dataset_build", round(build_s, 1), "s"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w5_search", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "w5.json")
    args = parser.parse_args(argv)
    url = database_url(args.backend)
    if args.rebuild:
        reset(args.backend)
    setup_django(url)
    from parcours.catalogue.models import Service, Structure

    build_s = None
    if Service.objects.filter(source="bench").count() != SERVICES or Structure.objects.count() != STRUCTURES:
        if Service.objects.exists():
            reset(args.backend)
            from django.db import connection

            connection.close()
            setup_django(url)
        print(f"W5 {args.backend} : construction du jeu de données ({SERVICES} services)…", flush=True)
        build_s = build()
    print(f"W5 {args.backend} : {args.queries} recherches…", flush=True)
    data = measure(queries(args.queries))
    rows = records(args.backend, data, build_s)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in rows:
        verdict = {True: "atteinte", False: "MANQUÉE", None: "—"}[row["pass"]]
        limit, goal = row["limit"], row["target"] or "—"
        print(
            f"  {row['metric']:<16} {row['value']!s:>9} {row['unit']:<11} limite {limit!s:>7}"
            f"  cible {goal:<10} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""W1 — CAF/MSA flux intake (BENCHMARKS.md §6.2 W1a, W1b), each next to its limit probe measured in the same run.

W1a: a 1,000-person daily flux end to end (parse, validate, match, upsert, journal, orientation queue) against
     the known people of the tier; median of 3 different files. Target ≤ 0.5 s.
W1b: a monthly stock (tier M: 100,000 rows against 100,000 known people; 70 % known (some changed), 30 % new, 2 %
     fuzzy duplicates of known people) imported by `manage.py import_flux` in its own process: rows/s against the
     raw upsert limit (PostgreSQL: COPY into a temporary table + INSERT … ON CONFLICT DO UPDATE WHERE changed;
     SQLite: executemany of the same upsert), SQL statements per 1,000 rows, peak RSS of the importing process.

`python -m bench.w1_import --backend postgresql --tier M --out bench/results/w1.json`
"""

import argparse
import copy
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIERS = {"S": 10_000, "M": 100_000}
REF = datetime.date(2025, 3, 31)
TARGET_W1A_S = 0.5
TARGET_RATIO = 0.3
TARGET_STATEMENTS = 10
TARGET_RSS_MB = 500


def database_url(backend: str) -> str:
    if backend == "sqlite":
        path = ROOT / "var" / "bench-w1.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from bench.datasets import PG_SERVER, ensure_postgres, pg_recreate

    ensure_postgres()
    pg_recreate("parcours_bench_w1")
    return f"{PG_SERVER}/parcours_bench_w1"


def setup_django(url: str) -> None:
    os.environ.update(DATABASE_URL=url, PARCOURS_ENV="test", DJANGO_SETTINGS_MODULE="config.settings")
    os.environ.setdefault("IMPORTS_DIR", tempfile.mkdtemp(prefix="parcours-w1-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# Datasets ---------------------------------------------------------------------------------------------------


def datasets(n: int):
    """(known households, the monthly stock's households, three daily fluxes' households) for a tier of n people."""
    from parcours.intake.fluxgen import synthetic_households

    rng = random.Random(7)
    known = list(synthetic_households(n, seed=1, department_code="93", reference_date=REF))
    fresh = renumbered(synthetic_households(n, seed=2, department_code="93", reference_date=REF), "8")
    stock, people = [], 0
    keep = rng.sample(known, k=len(known))
    for household in keep:  # 70 % of the rows: known people, 15 % of them changed
        if people >= 0.7 * n:
            break
        stock.append(changed(household, rng) if rng.random() < 0.15 else household)
        people += len(adults(household))
    for household in fresh:  # 28 % new people
        if people >= 0.98 * n:
            break
        stock.append(household)
        people += len(adults(household))
    for i, household in enumerate(rng.sample(known, k=len(known))):  # 2 % fuzzy duplicates of known people
        if people >= n:
            break
        stock.append(fuzzy_copy(household, rng, i))
        people += len(adults(household))
    rng.shuffle(stock)
    daily = []
    for k in range(3):
        day = REF + datetime.timedelta(days=31 + k)
        households = list(
            renumbered(synthetic_households(300, seed=10 + k, department_code="93", reference_date=day), str(5 + k))
        )
        count = 300
        for household in rng.sample(known, k=len(known)):
            if count >= 1000:
                break
            households.append(changed(household, rng))
            count += len(adults(household))
        daily.append((day, households))
    return known, stock, daily


def write_files(known, stock, daily, tmp: Path):
    from parcours.intake.fluxgen import write_flux

    write_flux(tmp / "known.xml", known, reference_date=REF, department_code="93", flux_type="R")
    write_flux(
        tmp / "stock.xml", stock, reference_date=REF + datetime.timedelta(days=30), department_code="93", flux_type="M"
    )
    paths = []
    for k, (day, households) in enumerate(daily):
        paths.append(tmp / f"daily-{k}.xml")
        write_flux(paths[-1], households, reference_date=day, department_code="93", flux_type="J")
    return tmp / "known.xml", tmp / "stock.xml", paths


def adults(household):
    return [p for p in household.persons if p.role in ("DEM", "CJT")]


def renumbered(households, prefix):
    for household in households:
        household.caf_number = prefix + household.caf_number
        yield household


def changed(household, rng):
    h = copy.deepcopy(household)
    what = rng.randrange(3)
    if what == 0:
        h.rsa_status, h.suspension_reason, h.suspended_since = "3", "01", REF
    elif what == 1:
        h.street_number = str(int(h.street_number or 1) + 1)
    else:
        for p in adults(h):
            p.france_travail_id = f"{rng.randrange(10**7):07d}Z"
    return h


def fuzzy_copy(household, rng, i):
    """The same people, known by another CAF number, without NIR, with a typo: a probable duplicate to review."""
    h = copy.deepcopy(household)
    h.caf_number = f"7{i:07d}"
    for p in h.persons:
        p.nir, p.france_travail_id = None, None
        name = p.last_name or "X"
        pos = rng.randrange(1, max(2, len(name)))
        p.last_name = name[:pos] + name[pos + 1 :] if len(name) > 4 else name + "E"
    return h


# Limit probe ------------------------------------------------------------------------------------------------


def flat_rows(households):
    """11-column beneficiary rows keyed by (matricule, role): what a raw upsert writes."""
    for h in households:
        for p in adults(h):
            yield (
                f"{h.caf_number}-{p.role}",
                p.last_name,
                p.first_name,
                p.birth_name or "",
                str(p.birth_date),
                p.sex,
                p.nir or "",
                p.france_travail_id or "",
                h.rsa_status,
                h.commune_insee,
                f"{h.street_number} {h.street_type} {h.street_name}",
            )


COLUMNS = (
    "k",
    "last_name",
    "first_name",
    "birth_name",
    "birth_date",
    "sex",
    "nir",
    "ft",
    "status",
    "commune",
    "street",
)


def probe(backend, known, stock) -> float:
    """Rows/s of the raw upsert of the stock's rows against the known rows (the physical limit of W1b)."""
    from django.db import connection

    known_rows, stock_rows = list(flat_rows(known)), list(flat_rows(stock))
    cols = ", ".join(COLUMNS)
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM excluded.{c}" for c in COLUMNS[1:])
    if backend == "sqlite":
        changed = " OR ".join(f"t.{c} IS NOT excluded.{c}" for c in COLUMNS[1:])
    update = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS w1_probe")
        cursor.execute(f"CREATE TABLE w1_probe ({', '.join(c + ' TEXT' for c in COLUMNS)}, PRIMARY KEY (k))")
        cursor.execute("CREATE INDEX w1_probe_name ON w1_probe (last_name, birth_date)")
        marks = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO w1_probe ({cols}) VALUES ({marks})", known_rows)
        started = time.perf_counter()
        if backend == "sqlite":
            cursor.executemany(
                f"INSERT INTO w1_probe AS t ({cols}) VALUES ({marks}) ON CONFLICT (k) DO UPDATE SET {update} "
                f"WHERE {changed}",
                stock_rows,
            )
        else:
            raw = cursor.cursor
            raw.execute(f"CREATE TEMP TABLE w1_in ({', '.join(c + ' TEXT' for c in COLUMNS)})")
            with raw.copy(f"COPY w1_in ({cols}) FROM STDIN") as copy_:
                for row in stock_rows:
                    copy_.write_row(row)
            raw.execute(
                f"INSERT INTO w1_probe AS t ({cols}) SELECT {cols} FROM w1_in ON CONFLICT (k) DO UPDATE SET {update} "
                f"WHERE {changed}"
            )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE w1_probe")
        if backend != "sqlite":
            cursor.execute("DROP TABLE w1_in")
    return len(stock_rows) / seconds


# Measurements -----------------------------------------------------------------------------------------------


def import_in_process(path):
    from parcours.intake import engine

    started = time.perf_counter()
    batch = engine.run(engine.create_batch(source_path=path, filename=path.name))
    return time.perf_counter() - started, batch


def import_in_child(path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "manage.py", "import_flux", str(path), "--json"],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    stats["rss_mb"] = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w1_import", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "w1.json")
    args = parser.parse_args(argv)
    n = TIERS[args.tier]
    setup_django(database_url(args.backend))
    from django.db import connection

    from parcours.organizations.models import Department

    Department.objects.get_or_create(code="93", defaults={"name": "Seine-Saint-Denis"})
    known, stock, daily = datasets(n)
    with tempfile.TemporaryDirectory(prefix="parcours-w1-") as tmp:
        known_path, stock_path, daily_paths = write_files(known, stock, daily, Path(tmp))
        print(f"W1 {args.backend} {args.tier} : {n} personnes connues…", flush=True)
        load_s, _ = import_in_process(known_path)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        daily_s = [import_in_process(path)[0] for path in daily_paths]
        stats = import_in_child(stock_path)
        limit = probe(args.backend, known, stock)
    rate = stats["rows"] / stats["seconds"]
    base = {"workload": "W1", "tier": args.tier, "backend": args.backend}
    rows = [
        {
            **base,
            "workload": "W1a",
            "metric": "daily_flux_1000",
            "value": round(statistics.median(daily_s), 3),
            "unit": "s",
            "limit": None,
            "ratio": None,
            "target": f"≤ {TARGET_W1A_S:g} s",
            "pass": statistics.median(daily_s) <= TARGET_W1A_S,
            "runs": [round(s, 3) for s in daily_s],
        },
        {
            **base,
            "workload": "W1b",
            "metric": "stock_rows_per_s",
            "value": round(rate),
            "unit": "lignes/s",
            "limit": round(limit),
            "ratio": round(rate / limit, 3),
            "target": f"ratio ≥ {TARGET_RATIO:g}",
            "pass": rate / limit >= TARGET_RATIO,
            "rows": stats["rows"],
            "seconds": round(stats["seconds"], 2),
            "created": stats["created"],
            "updated": stats["updated"],
            "unchanged": stats["unchanged"],
            "to_review": stats["to_review"],
            "rejected": stats["rejected"],
            "initial_load_s": round(load_s, 1),
        },
        {
            **base,
            "workload": "W1b",
            "metric": "statements_per_1000_rows",
            "value": round(1000 * stats["statements"] / stats["rows"], 2),
            "unit": "requêtes SQL / 1 000 lignes",
            "limit": None,
            "ratio": None,
            "target": f"≤ {TARGET_STATEMENTS}",
            "pass": 1000 * stats["statements"] / stats["rows"] <= TARGET_STATEMENTS,
        },
        {
            **base,
            "workload": "W1b",
            "metric": "peak_rss",
            "value": round(stats["rss_mb"]),
            "unit": "Mo",
            "limit": None,
            "ratio": None,
            "target": f"≤ {TARGET_RSS_MB} Mo",
            "pass": stats["rss_mb"] <= TARGET_RSS_MB,
        },
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in rows:
        verdict = {True: "atteinte", False: "MANQUÉE", None: "—"}[row["pass"]]
        print(
            f"  {row['workload']} {row['metric']:<26} {row['value']!s:>9} {row['unit']:<28} "
            f"limite {row['limit'] or '—'!s:<8} cible {row['target']:<12} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

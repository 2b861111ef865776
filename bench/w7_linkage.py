"""W7, record linkage (BENCHMARKS.md §4.9, §6.2): incoming people matched against the known files of a
département, with planted duplicates, timed and scored against their labels.

    python -m bench.w7_linkage --tier S --backend sqlite      # 10,000 incoming vs 200,000 known
    python -m bench.w7_linkage --tier M --backend postgresql  # 100,000 incoming vs 2,000,000 known

In one run, on a fresh database (var/bench-w7-<tier>.sqlite3 or parcours_bench_c, migrated here):

1. the labelled set, written directly (COPY on PostgreSQL, executemany on SQLite): the known people of one
   département with their blocking keys (people.MatchKey), names drawn from weighted French, Maghrebi,
   Portuguese, Spanish, Italian, Turkish, Nigerian and Vietnamese name lists (compound first and last names,
   birth names); and the incoming rows (bench/w7_planted.py): duplicates found by an exact key (NIR with or
   without its key, CAF number, France Travail id, internal id), duplicates without any key (missing NIR, typos,
   swapped names, birth name as last name, compound names) and new people, among them hard negatives (siblings
   born the same day, twins of the other sex, namesakes with another NIR);
2. matching as the import engine does it: chunks of 5,000 rows, `match_exact` then `match_probable` for the rows
   without an exact match; median of 3 runs; target ≤ 5 s at tier M (prorated ≤ 0.5 s at tier S);
3. limit probe, same run: the same SQL statements (exact keys, blocking join) executed and fetched, no scoring;
4. precision and recall of the decision (exact match, else best probable candidate) against the labels:
   targets ≥ 0.99 and ≥ 0.98, also given for the rows without any exact key alone.

Rows (`workload, tier, backend, metric, value, unit, limit, ratio, target, pass`) go to --out as JSON.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
TIERS = {"S": (200_000, 10_000), "M": (2_000_000, 100_000), "L": (2_000_000, 100_000)}  # L: national = M here
TARGET_S = {"S": 0.5, "M": 5.0, "L": 5.0}
TARGET_PRECISION = 0.99
TARGET_RECALL = 0.98
CHUNK = 5_000
RUNS = 3
PG_DATABASE = "parcours_bench_c"


# Database ---------------------------------------------------------------------------------------------------


def database_url(backend: str, tier: str) -> str:
    if backend == "sqlite":
        path = ROOT / "var" / f"bench-w7-{tier}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from bench.datasets import PG_SERVER, ensure_postgres, pg_recreate

    ensure_postgres()
    pg_recreate(PG_DATABASE)
    return f"{PG_SERVER}/{PG_DATABASE}"


def setup_django(url: str) -> None:
    os.environ.update(DATABASE_URL=url, PARCOURS_ENV="test", DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    if connection.vendor == "postgresql":  # the bulk load is one long COPY: lift the application's timeouts
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SET idle_in_transaction_session_timeout = 0")


def beneficiary_columns(people, department_id: int) -> tuple[list, tuple]:
    """Columns of people.Beneficiary: those Population.rows() gives, then the same values for every row (the
    tail, in database form).

    The clear NIR is not stored (encrypting 2 M values would dominate the build): matching only reads its blind
    index, which is computed from the NIR as the import engine does it."""
    from django.db import connection, models
    from django.utils import timezone

    from parcours.people.models import Beneficiary

    tail = {"department_id": department_id}
    for f in Beneficiary._meta.local_concrete_fields:
        if f.attname in people.COLUMNS or f.attname in tail:
            continue
        default = timezone.now() if f.attname == "created_at" else f.get_default()
        if isinstance(f, models.JSONField):
            tail[f.attname] = json.dumps(default)  # as text: COPY and SQLite both take it
        else:
            tail[f.attname] = f.get_db_prep_save(default, connection)
    assert "public_id" in people.COLUMNS
    column = {f.attname: f.column for f in Beneficiary._meta.local_concrete_fields}
    return [column[name] for name in (*people.COLUMNS, *tail)], tuple(tail.values())


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def write_rows(table: str, columns: list, rows, tail: tuple = ()) -> None:
    """COPY on PostgreSQL (foreign keys and secondary indexes set aside, then rebuilt), executemany on SQLite.
    `rows` give the first columns (plain values: no None, no booleans), `tail` the last ones, the same for all."""
    from django.db import connection

    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        marks = ", ".join("%s" for _ in columns)
        sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})"
        batch = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row + tail)
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        return
    end = "".join(f"\t{_copy_text(v)}" for v in tail) + "\n"
    copy_sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(str, row)) + end)
            if len(lines) == 50_000:
                copy.write("".join(lines))
                lines = []
        copy.write("".join(lines))


class SecondaryIndexes:
    """PostgreSQL bulk load: drop the secondary indexes and unique constraints of some tables, rebuild them after."""

    def __init__(self, tables):
        self.tables = tables
        self.saved = []

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'u'",
                    [table],
                )
                constraints = cursor.fetchall()
                for name, definition in constraints:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    self.saved.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                    [table, "%_pkey"],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    self.saved.append(definition)
            cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for statement in self.saved:
                cursor.execute(statement)
            for table in self.tables:
                cursor.execute(f'ANALYZE "{table}"')


def build(tier: str, seed: int) -> tuple:
    """Write the known people and their blocking keys; return (department id, Planted set, seconds)."""
    from django.db import connection, transaction

    from bench.w7_planted import Population
    from parcours.organizations.models import Department
    from parcours.people.models import Beneficiary, MatchKey

    started = time.perf_counter()
    known, incoming = TIERS[tier]
    department = Department.objects.create(code="93", name="Seine-Saint-Denis")
    people = Population(known, incoming, seed=seed)
    columns, tail = beneficiary_columns(people, department.pk)
    tables = [Beneficiary._meta.db_table, MatchKey._meta.db_table]
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            indexes = SecondaryIndexes(tables).__enter__()
        write_rows(tables[0], columns, people.rows(sqlite=not postgres), tail)
        write_rows(tables[1], ["beneficiary_id", "block", "department_id"], people.match_keys(), (department.pk,))
        if postgres:
            indexes.__exit__(None, None, None)
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM \"{table}\"")
    if not postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return department.pk, people, time.perf_counter() - started


# Measurements -----------------------------------------------------------------------------------------------


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cpu_seconds() -> float:
    """CPU time used so far by this process and, on PostgreSQL, by its server backend (same machine): on a shared
    box the wall time also counts the waits for a core, this does not."""
    from django.db import connection

    used = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def link(department_id: int, incomings: list) -> tuple[dict, dict, float, float]:
    """What the import engine does per chunk: exact keys, then probable matches for the rows left."""
    from parcours.intake.matching import match_exact, match_probable

    exact, probable, exact_s, probable_s = {}, {}, 0.0, 0.0
    for chunk in chunks(incomings):
        started = time.perf_counter()
        found = match_exact(department_id, chunk)
        middle = time.perf_counter()
        probable.update(match_probable(department_id, [i for i in chunk if i.row not in found]))
        exact_s += middle - started
        probable_s += time.perf_counter() - middle
        exact.update(found)
    return exact, probable, exact_s, probable_s


def probe(department_id: int, incomings: list, exact: dict) -> tuple[float, int]:
    """Limit probe: the same statements, executed and fetched, without building keys' maps or scoring."""
    from django.db import connection

    from parcours.intake.matching import exact_query, probable_query

    prepared = []
    for chunk in chunks(incomings):
        left = [i for i in chunk if i.row not in exact]
        # other_sex=False: what match_probable asks at its default threshold
        prepared.append((exact_query(department_id, chunk), probable_query(department_id, left, other_sex=False)))
    pairs = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for queries in prepared:
            for query in queries:
                if query is not None:
                    cursor.execute(*query)
                    pairs += len(cursor.fetchall())
    return time.perf_counter() - started, pairs


def score(people, exact: dict, probable: dict) -> dict:
    """Precision and recall of the decision (exact match, else the best probable candidate) against the labels."""
    counts = {"all": [0, 0, 0], "keyless": [0, 0, 0]}  # true positives, false positives, false negatives
    by_kind: dict[str, list] = {}
    for incoming, (kind, truth) in zip(people.incomings, people.labels, strict=True):
        found = exact.get(incoming.row)
        guess = (
            found.beneficiary_id
            if found
            else (probable[incoming.row][0].beneficiary_id if incoming.row in probable else None)
        )
        ok = guess is not None and guess == truth
        groups = ["all"] if kind.startswith("exact") else ["all", "keyless"]
        for group in groups:
            c = counts[group]
            c[0] += ok
            c[1] += guess is not None and not ok
            c[2] += truth is not None and not ok
        k = by_kind.setdefault(kind, [0, 0])
        k[0] += 1
        k[1] += ok if truth is not None else guess is None
    result = {}
    for group, (tp, fp, fn) in counts.items():
        result[group] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
        }
    result["by_kind"] = {kind: {"rows": n, "right": right} for kind, (n, right) in sorted(by_kind.items())}
    return result


def measure(department_id: int, people) -> dict:
    incomings = people.incomings
    runs, probes = [], []
    for _ in range(RUNS):
        cpu = cpu_seconds()
        exact, probable, exact_s, probable_s = link(department_id, incomings)
        cpu = cpu_seconds() - cpu
        runs.append((exact_s + probable_s, exact_s, probable_s, cpu))
        probes.append(probe(department_id, incomings, exact))
    total, exact_s, probable_s, cpu = sorted(runs)[RUNS // 2]
    return {
        "total_s": total,
        "cpu_s": cpu,
        "load_average": round(os.getloadavg()[0], 1),
        "exact_s": exact_s,
        "probable_s": probable_s,
        "probe_s": statistics.median(p[0] for p in probes),
        "fetched_rows": probes[0][1],
        "exact_matches": len(exact),
        "probable_rows": len(probable),
        "quality": score(people, exact, probable),
    }


def records(tier: str, backend: str, people, build_s: float, m: dict) -> list[dict]:
    known, incoming = TIERS[tier]
    base = {"workload": "W7", "tier": tier, "backend": backend, "rows": incoming, "known": known}
    quality = m["quality"]
    target_s = TARGET_S[tier]
    precision, recall = quality["all"]["precision"], quality["all"]["recall"]
    return [
        {
            **base,
            "metric": "linkage_time",
            "value": round(m["total_s"], 3),
            "unit": "s",
            "limit": round(m["probe_s"], 3),
            "ratio": round(m["probe_s"] / m["total_s"], 3),
            "target": f"≤ {target_s:g} s",
            "pass": m["total_s"] <= target_s,
            "cpu_s": round(m["cpu_s"], 3),
            "load_average": m["load_average"],
            "exact_s": round(m["exact_s"], 3),
            "probable_s": round(m["probable_s"], 3),
            "rows_fetched": m["fetched_rows"],
            "exact_matches": m["exact_matches"],
            "rows_with_candidates": m["probable_rows"],
            "build_s": round(build_s, 1),
        },
        {
            **base,
            "metric": "precision",
            "value": precision,
            "unit": "",
            "limit": None,
            "ratio": None,
            "target": f"≥ {TARGET_PRECISION:g}",
            "pass": precision is not None and precision >= TARGET_PRECISION,
            **{f"keyless_{k}": v for k, v in quality["keyless"].items()},
            **{k: v for k, v in quality["all"].items() if k not in ("precision", "recall")},
        },
        {
            **base,
            "metric": "recall",
            "value": recall,
            "unit": "",
            "limit": None,
            "ratio": None,
            "target": f"≥ {TARGET_RECALL:g}",
            "pass": recall is not None and recall >= TARGET_RECALL,
            "keyless_recall": quality["keyless"]["recall"],
            "by_kind": quality["by_kind"],
        },
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w7_linkage", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "w7.json")
    args = parser.parse_args(argv)
    setup_django(database_url(args.backend, args.tier))
    known, incoming = TIERS[args.tier]
    print(f"W7 {args.tier}/{args.backend} : {incoming} personnes reçues contre {known} connues…", flush=True)
    department_id, people, build_s = build(args.tier, args.seed)
    print(f"  jeu étiqueté écrit en {build_s:.1f} s", flush=True)
    data = measure(department_id, people)
    rows = records(args.tier, args.backend, people, build_s, data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in rows:
        verdict = {True: "atteinte", False: "MANQUÉE", None: "—"}[row["pass"]]
        print(f"  {row['metric']:<14} {row['value']!s:>9} {row['unit']:<3} cible {row['target']:<10} {verdict}")
    print(f"  temps CPU (client + serveur) : {data['cpu_s']:.2f} s ; charge de la machine : {data['load_average']}")
    keyless = data["quality"]["keyless"]
    print(f"  sans identifiant : précision {keyless['precision']}, rappel {keyless['recall']}")
    for kind, c in data["quality"]["by_kind"].items():
        print(f"    {kind:<22} {c['right']:>7} / {c['rows']:<7} justes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

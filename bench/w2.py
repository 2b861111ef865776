"""W2, the counselor caseload page "Ma file active", next to its lean reference (BENCHMARKS.md §6.2).

Run by `python -m bench` in a subprocess per (tier, backend), with DATABASE_URL and PARCOURS_ENV=test set:

    python -m bench.w2 --tier S --backend sqlite --requests 300 --out result.json

In one process, with one django.test.Client per user (force_login) and the project's full middleware stack:
the application page (GET /file-active/) for the persona (≈ 90 rows) and for the bench counselor (300 rows,
see bench/prepare.py), the lean reference on the same rows (bench/lean.py) and the hello-world floor. After a
warm-up, requests are timed in interleaved rounds (app, lean, app, lean…) so that machine noise hits every
target alike. SQL statements are counted on one extra request per target (CaptureQueriesContext), outside the
timed loop.
"""

import argparse
import gc
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.prepare import BIG, PERSONA, setup

TARGET_P95_MS = 25.0
TARGET_RATIO = 0.5
TARGET_SQL_MAX = 8
WARMUP = 20
ROUNDS = 10
# Statements every authenticated page pays before the view runs (SessionMiddleware, AuthenticationMiddleware,
# AccessRuleMiddleware's viewer): counted apart from the view's own statements.
INFRA_TABLES = {"django_session", "accounts_user", "accounts_membership"}
# Transaction control (ATOMIC_REQUESTS): SQLite shows BEGIN IMMEDIATE/COMMIT as statements, psycopg does not.
# They are counted apart (sql_tx) so that both backends compare.
TX_PREFIXES = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
UUID_RE = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


@dataclass
class Target:
    key: str
    label: str
    client: object
    path: str
    n: int = 0
    times: list = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process (PostgreSQL's own work is not in it)
    sql: list = field(default_factory=list)
    tx: int = 0
    rows: int | None = None
    ids: frozenset = frozenset()
    size: int = 0

    def get(self):
        response = self.client.get(self.path)
        if response.status_code != 200:
            raise RuntimeError(f"{self.label} : GET {self.path} a répondu {response.status_code}.")
        return response

    def run(self, count: int) -> None:
        gc.collect()
        times = self.times
        get = self.client.get
        path = self.path
        clock = time.perf_counter
        cpu_started = time.process_time()
        started = clock()
        for _ in range(count):
            t0 = clock()
            response = get(path)
            times.append(clock() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{self.label} : GET {path} a répondu {response.status_code}.")
        self.wall += clock() - started
        self.cpu += time.process_time() - cpu_started

    # Statistics, in milliseconds and requests per second.
    def pct(self, q: float) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000

    @property
    def mean_ms(self) -> float:
        return sum(self.times) / len(self.times) * 1000

    @property
    def rps(self) -> float:
        return len(self.times) / self.wall

    def summary(self) -> dict:
        return {
            "min_ms": round(min(self.times) * 1000, 2),
            "p50_ms": round(self.pct(0.50), 2),
            "p95_ms": round(self.pct(0.95), 2),
            "mean_ms": round(self.mean_ms, 2),
            "req_s": round(self.rps, 1),
            "cpu_ms": round(self.cpu / len(self.times) * 1000, 2),
            "n": len(self.times),
            "sql": len(self.sql),
            "sql_tx": self.tx,
            "rows": self.rows,
            "bytes": self.size,
        }


def table_of(sql: str) -> str:
    match = re.search(r'\bFROM\s+"?([\w.]+)"?', sql, re.IGNORECASE)
    if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
        match = re.search(r'^\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?([\w.]+)"?', sql, re.IGNORECASE)
    return match.group(1) if match else sql.split()[0].upper()


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python loop: tells how fast (or how loaded) the machine was."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 2)


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def ensure_migrated() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        print(f"  {len(plan)} migration(s) en attente sur la base de banc : migrate", flush=True)
        call_command("migrate", verbosity=0, interactive=False)


def measure(requests: int, max_seconds: float) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from parcours.accounts.models import User

    persona = User.objects.get(email=PERSONA)
    big = User.objects.get(email=BIG)
    clients = {}
    for user in (persona, big):
        client = Client()
        client.force_login(user)
        clients[user.pk] = client
    app_path = reverse("web:caseload")
    lean_path = reverse("bench-w2-lean")
    person_prefix = reverse("web:person", args=["00000000-0000-0000-0000-000000000000"])[:-37]
    ids_re = re.compile(re.escape(person_prefix) + UUID_RE + "/")
    targets = [
        Target("app", "Page applicative", clients[persona.pk], app_path),
        Target("lean", "Référence sobre", clients[persona.pk], lean_path),
        Target("app_300", "Page applicative (300 lignes)", clients[big.pk], app_path),
        Target("lean_300", "Référence sobre (300 lignes)", clients[big.pk], lean_path),
        Target("hello", "Hello world", clients[persona.pk], reverse("bench-hello")),
    ]
    by_key = {t.key: t for t in targets}

    # Correctness first: status, rows (distinct person links on the page) and SQL statements.
    for t in targets:
        response = t.get()
        with CaptureQueriesContext(connection) as captured:
            response = t.get()
        statements = [q["sql"] for q in captured.captured_queries]
        t.sql = [s for s in statements if not s.lstrip().upper().startswith(TX_PREFIXES)]
        t.tx = len(statements) - len(t.sql)
        t.size = len(response.content)
        if t.key != "hello":
            t.ids = frozenset(ids_re.findall(response.content.decode()))
            t.rows = len(t.ids)
    warnings = []
    for app, lean in (("app", "lean"), ("app_300", "lean_300")):
        if by_key[app].ids != by_key[lean].ids:
            warnings.append(
                f"{by_key[app].label} : {by_key[app].rows} personnes affichées, la référence sobre en a "
                f"{by_key[lean].rows} (lignes différentes)."
            )
    for w in warnings:
        print(f"  ATTENTION : {w}", flush=True)

    # Warm-up, then a request count per target that fits max_seconds (at least 30, at most `requests`).
    for t in targets:
        t.run(WARMUP)
        estimate = t.wall / WARMUP
        t.n = max(30, min(requests, int(max_seconds / max(estimate, 1e-6))))
        t.times, t.wall, t.cpu = [], 0.0, 0.0
    print("  Requêtes chronométrées : " + ", ".join(f"{t.key}={t.n}" for t in targets), flush=True)
    started = time.monotonic()
    for r in range(ROUNDS):
        for t in targets:
            done = len(t.times)
            share = math.ceil(t.n * (r + 1) / ROUNDS) - done
            if share > 0:
                t.run(share)
        print(
            f"  tour {r + 1}/{ROUNDS} ({time.monotonic() - started:.0f} s) : "
            + ", ".join(f"{t.key} p50 {t.pct(0.5):.1f} ms" for t in targets),
            flush=True,
        )
    for client in clients.values():
        client.logout()
    return {
        "targets": {t.key: t.summary() for t in targets},
        "sql": {t.key: t.sql for t in targets},
        "warnings": warnings,
    }


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def records(tier: str, backend: str, data: dict) -> list:
    """The W2 rows of bench/results/latest.json."""
    t = data["targets"]
    app, lean, app300, lean300, hello = t["app"], t["lean"], t["app_300"], t["lean_300"], t["hello"]
    base = {"workload": "W2", "tier": tier, "backend": backend}
    out = []
    for a, ref, suffix, targeted in ((app, lean, "", True), (app300, lean300, "_300", False)):
        out.append(
            {
                **base,
                "metric": f"p95_latency{suffix}",
                "value": a["p95_ms"],
                "unit": "ms",
                "limit": ref["p95_ms"],
                "ratio": round(ref["p95_ms"] / a["p95_ms"], 3),
                "target": f"≤ {TARGET_P95_MS:g} ms" if targeted else None,
                "pass": a["p95_ms"] <= TARGET_P95_MS if targeted else None,
                "min_ms": a["min_ms"],
                "p50_ms": a["p50_ms"],
                "p95_ms": a["p95_ms"],
                "mean_ms": a["mean_ms"],
                "cpu_ms": a["cpu_ms"],
                "lean_min_ms": ref["min_ms"],
                "lean_p50_ms": ref["p50_ms"],
                "lean_cpu_ms": ref["cpu_ms"],
                "rows": a["rows"],
                "sql": a["sql"],
                "n": a["n"],
            }
        )
        ratio = a["req_s"] / ref["req_s"]
        out.append(
            {
                **base,
                "metric": f"throughput_ratio{suffix}",
                "value": a["req_s"],
                "unit": "req/s",
                "limit": ref["req_s"],
                "ratio": round(ratio, 3),
                "target": f"ratio ≥ {TARGET_RATIO:g}" if targeted else None,
                "pass": ratio >= TARGET_RATIO if targeted else None,
                "p50_ms": a["p50_ms"],
                "p95_ms": a["p95_ms"],
                "rows": a["rows"],
                "sql": a["sql"],
                "lean_sql": ref["sql"],
                "n": a["n"],
            }
        )
    infra_90 = sum(table_of(s) in INFRA_TABLES for s in data["sql"]["app"])
    infra_300 = sum(table_of(s) in INFRA_TABLES for s in data["sql"]["app_300"])
    out.append(
        {
            **base,
            "metric": "sql_count_constant",
            "value": app300["sql"],
            "unit": "requêtes SQL",
            "limit": app["sql"],
            "ratio": round(app300["sql"] / app["sql"], 3) if app["sql"] else None,
            "target": f"= limite et ≤ {TARGET_SQL_MAX}",
            "pass": app300["sql"] == app["sql"] and app300["sql"] <= TARGET_SQL_MAX,
            "rows": app300["rows"],
            "limit_rows": app["rows"],
            "sql": app300["sql"],
            "sql_tx": app300["sql_tx"],
            "sql_infra": infra_300,
            "sql_view": app300["sql"] - infra_300,
            "sql_infra_90": infra_90,
            "sql_tables": [table_of(s) for s in data["sql"]["app_300"]],
            "lean_sql": lean["sql"],
        }
    )
    out.append(
        {
            **base,
            "metric": "hello_floor",
            "value": hello["req_s"],
            "unit": "req/s",
            "limit": None,
            "ratio": round(app["req_s"] / hello["req_s"], 4),
            "target": None,
            "pass": None,
            "p50_ms": hello["p50_ms"],
            "p95_ms": hello["p95_ms"],
            "sql": hello["sql"],
            "n": hello["n"],
        }
    )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w2")
    parser.add_argument("--tier", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sql-out")
    args = parser.parse_args(argv)
    setup()
    from django.test.utils import override_settings

    ensure_migrated()
    machine = {"calib_ms_before": calibrate(), "load_before": load_average()}
    with override_settings(ROOT_URLCONF="bench.urls"):
        data = measure(args.requests, args.max_seconds)
    machine.update(calib_ms_after=calibrate(), load_after=load_average())
    version = server_version()
    rows = records(args.tier, args.backend, data)
    for row in rows:
        row["server"] = version
        row.update(machine)
        if data["warnings"]:
            row["warnings"] = data["warnings"]
    Path(args.out).write_text(json.dumps({"rows": rows, "targets": data["targets"]}, ensure_ascii=False))
    if args.sql_out:
        lines = []
        for key, statements in data["sql"].items():
            lines.append(f"== {key} : {len(statements)} requêtes SQL")
            lines += [f"-- {i + 1}. {s}" for i, s in enumerate(statements)]
        Path(args.sql_out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

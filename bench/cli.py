"""`python -m bench [--tiers S,M] [--backends sqlite,postgresql] [--workloads W2,W6,W8] [--requests N]`.

See docs/benchmarks.md.

Exit code 0 when every measurement ran, even if targets are missed (they show pass=false); 1 when a dataset
or a measurement failed (the other ones still run and are written); 2 on a usage error.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.datasets import BACKENDS, ROOT, TIERS, BenchError

RESULTS = ROOT / "bench" / "results"
WORKLOADS = ("W1", "W2", "W6", "W8")
WORKLOADS += ("W7",)  # record linkage: builds its own labelled database per (tier, backend)
WORKLOADS += ("W5",)  # service search: builds its own 140k-service database per backend


def run_workload(name, dataset, args, *, first_backend: bool) -> list:
    """The rows of one workload on one (tier, backend) dataset."""
    if name == "W1":
        return run_w1(dataset)
    if name == "W2":
        return run_w2(dataset, args)
    if name == "W5":
        return run_w5(dataset)
    if name == "W6":
        from bench.w6_scheduling import run_w6

        return run_w6(dataset, territory=first_backend)  # the solver-only rows do not depend on the database
    if name == "W7":
        return run_w7(dataset)
    return run_w8(dataset)


def run_w8(dataset) -> list:
    """W8 builds its own database per backend (10,000 invitations, real workers, the fake SMS provider)."""
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        out = Path(tmp) / "w8.json"
        argv = [sys.executable, "-m", "bench.w8_notifications", "--backend", dataset.backend, "--out", str(out)]
        datasets.run(argv, dataset.url, label=f"W8 {dataset.backend}")
        rows = json.loads(out.read_text(encoding="utf-8"))
        return rows["rows"] if isinstance(rows, dict) else rows


def run_w1(dataset) -> list:
    """W1 imports CAF/MSA fluxes into its own database per (tier, backend) (see bench/w1_import.py)."""
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        out = Path(tmp) / "w1.json"
        argv = [sys.executable, "-m", "bench.w1_import", "--tier", dataset.tier, "--backend", dataset.backend]
        datasets.run([*argv, "--out", str(out)], dataset.url, label=f"W1 {dataset.tier}/{dataset.backend}")
        return json.loads(out.read_text(encoding="utf-8"))


def run_w5(dataset) -> list:
    """W5 builds its own database per backend (140,000 services over France, see bench/w5_search.py)."""
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        out = Path(tmp) / "w5.json"
        argv = [sys.executable, "-m", "bench.w5_search", "--backend", dataset.backend, "--out", str(out)]
        datasets.run(argv, dataset.url, label=f"W5 {dataset.backend}")
        return json.loads(out.read_text(encoding="utf-8"))


def _list(value: str, allowed, *, upper=False) -> list:
    items = [v.strip() for v in value.split(",") if v.strip()]
    items = [v.upper() if upper else v.lower() for v in items]
    aliases = {"pg": "postgresql", "postgres": "postgresql"}
    items = [aliases.get(v, v) for v in items]
    unknown = [v for v in items if v not in allowed]
    if unknown or not items:
        raise argparse.ArgumentTypeError(f"valeurs possibles : {', '.join(allowed)} (reçu : {value})")
    return list(dict.fromkeys(items))


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Mesures de performance de Parcours.")
    parser.add_argument(
        "--tiers",
        "--size",
        dest="tiers",
        type=lambda v: _list(v, TIERS, upper=True),
        default=["S", "M"],
        help="tailles de jeu de données, séparées par des virgules (défaut : S,M)",
    )
    parser.add_argument(
        "--backends",
        type=lambda v: _list(v, BACKENDS),
        default=list(BACKENDS),
        help="sqlite, postgresql (défaut : les deux)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=300,
        help="requêtes chronométrées par cible (défaut : 300, réduit si --max-seconds est atteint)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="budget approximatif par cible et par (taille, base), en secondes (défaut : 60)",
    )
    parser.add_argument(
        "--workloads",
        type=lambda v: _list(v, WORKLOADS, upper=True),
        default=list(WORKLOADS),
        help=f"charges mesurées (défaut : {','.join(WORKLOADS)})",
    )
    parser.add_argument("--rebuild", action="store_true", help="reconstruire les jeux de données même s'ils existent")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="fichier JSON des résultats")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests doit être positif")
    return args


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "parcours", "config"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return f"{head}+modifs" if dirty else head


def run_w2(dataset, args) -> list:
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        out = Path(tmp) / "w2.json"
        sql_out = RESULTS / f"w2-sql-{dataset.tier}-{dataset.backend}.txt"
        datasets.run(
            [
                sys.executable,
                "-m",
                "bench.w2",
                "--tier",
                dataset.tier,
                "--backend",
                dataset.backend,
                "--requests",
                str(args.requests),
                "--max-seconds",
                str(args.max_seconds),
                "--out",
                str(out),
                "--sql-out",
                str(sql_out),
            ],
            dataset.url,
            label=f"W2 {dataset.tier}/{dataset.backend}",
        )
        return json.loads(out.read_text(encoding="utf-8"))["rows"]


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "NON"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_table(rows: list) -> None:
    columns = [
        ("workload", "charge"),
        ("metric", "mesure"),
        ("tier", "taille"),
        ("backend", "base"),
        ("rows", "lignes"),
        ("value", "valeur"),
        ("unit", "unité"),
        ("limit", "limite"),
        ("ratio", "ratio"),
        ("target", "cible"),
        ("pass", "atteinte"),
    ]
    cells = [[fmt(r.get(key)) for key, _ in columns] for r in rows]
    widths = [max(len(title), *(len(c[i]) for c in cells)) for i, (_, title) in enumerate(columns)]
    line = "  ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True))
    print("\n" + line + "\n" + "-" * len(line))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def main(argv=None) -> int:
    args = parse(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    revision = git_revision()
    run_at = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(
        f"Banc Parcours — {','.join(args.workloads)} — tailles {','.join(args.tiers)}, "
        f"bases {','.join(args.backends)}, {args.requests} requêtes par cible (W2) — révision {revision}",
        flush=True,
    )
    rows, errors = [], []
    pg_ok = True
    if "postgresql" in args.backends:
        try:
            datasets.ensure_postgres()
        except BenchError as exc:
            pg_ok = False
            errors.append(str(exc))
            print(f"ERREUR : {exc}", file=sys.stderr, flush=True)
    for tier in args.tiers:
        for backend in args.backends:
            if backend == "postgresql" and not pg_ok:
                continue
            print(f"\n== {tier} / {backend}", flush=True)
            started = time.monotonic()
            try:
                dataset = datasets.ensure(tier, backend, rebuild=args.rebuild)
            except (BenchError, OSError, ValueError) as exc:
                errors.append(f"{tier}/{backend} : {exc}")
                print(f"ERREUR {tier}/{backend} : {exc}", file=sys.stderr, flush=True)
                continue
            measured = []
            for workload in args.workloads:
                if workload in ("W5", "W8") and tier != args.tiers[0]:
                    continue  # W8 does not use the tier's dataset: once per backend is enough
                print(f"  Mesure de {workload}…", flush=True)
                try:
                    measured += run_workload(workload, dataset, args, first_backend=backend == args.backends[0])
                except (BenchError, OSError, ValueError) as exc:
                    errors.append(f"{workload} {tier}/{backend} : {exc}")
                    print(f"ERREUR {workload} {tier}/{backend} : {exc}", file=sys.stderr, flush=True)
            for row in measured:
                row.update(
                    build_s=dataset.build.get("build_s"),
                    dataset_reused=dataset.build.get("reused"),
                    dataset_stale=dataset.build.get("stale", False),
                    revision=revision,
                    run_at=run_at,
                )
            rows += measured
            print(f"  {tier}/{backend} mesuré en {time.monotonic() - started:.0f} s", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if rows:
        print_table(rows)
    print(f"\nRésultats : {args.output}", flush=True)
    if errors:
        print(f"{len(errors)} erreur(s) :", file=sys.stderr)
        for e in errors:
            print(f"  - {e}", file=sys.stderr)
        return 1
    return 0


def run_w7(dataset) -> list:
    """W7 writes its own labelled set (known people and planted duplicates) in its own database, at the tier's size."""
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        out = Path(tmp) / "w7.json"
        argv = [sys.executable, "-m", "bench.w7_linkage", "--tier", dataset.tier, "--backend", dataset.backend]
        datasets.run([*argv, "--out", str(out)], dataset.url, label=f"W7 {dataset.tier}/{dataset.backend}")
        return json.loads(out.read_text(encoding="utf-8"))

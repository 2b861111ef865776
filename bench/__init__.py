"""Parcours performance harness (docs/benchmarks.md, BENCHMARKS.md §6).

`python -m bench` (or `make bench`) builds or reuses one seeded database per (tier, backend), then measures each
workload in a subprocess with DATABASE_URL set, next to its limit probe, and writes bench/results/latest.json.
"""

"""Rows of the authorisation matrix, one module per area of the web door (see tests/test_permission_matrix.py).

Each module defines:
- EXPECTED: {url name: {method: row}}, a row having one value per persona of tests.world.PERSONAS (or one less:
  the partner column then repeats the steering value);
- PARAMS: the URL parameters it knows how to fill;
- objects(world) -> {param: value} for those parameters (idempotent: called once per test).
"""

import importlib

NAMES = ("intake", "orientation", "review", "catalogue", "referrals", "workshops", "activity")
AREAS = tuple(importlib.import_module(f"tests.matrix.{name}") for name in NAMES)

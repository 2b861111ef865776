"""Shared fixtures: the world of tests/world.py, one fixture per persona, and logged-in clients.

The world is built inside each test's transaction (rolled back afterwards), so tests never see each other's
changes, and tests needing a live server elsewhere (tests/browser/) cannot remove it from under us.
"""

import os

import pytest
from django.test import Client

from parcours.core import rules
from tests.world import PERSONAS, build_world

if os.environ.get("PARCOURS_ENV") != "test":  # settings would be the production ones (secure cookies, SMTP…)
    raise pytest.UsageError("Lancez les tests avec PARCOURS_ENV=test (voir le Makefile).")


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    """Dated rules are cached per process; a rolled-back test must not leave its values to the next one."""
    rules._cache.clear()
    yield
    rules._cache.clear()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def personas(world):
    """persona name -> User (None for anonymous)."""
    return world.users


def _persona_fixture(name):
    @pytest.fixture(name=name)
    def fixture(world):
        return world.users[name]

    return fixture


for _name in PERSONAS:
    globals()[_name] = _persona_fixture(_name)


@pytest.fixture
def client_for(world):
    """client_for("cip") -> a test client logged in as that persona (anonymous: not logged in)."""

    handlers = {}

    def make(persona: str, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        # Share the request handler: loading the middleware (WhiteNoise indexes every static file) costs 0.2 s.
        key = tuple(sorted(client_kwargs.items()))
        client.handler = handlers.setdefault(key, client.handler)
        user = world.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    return make


def pytest_terminal_summary(terminalreporter):
    """Report the size of the authorisation matrix when its tests ran (also under xdist)."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    if not any("test_permission_matrix" in getattr(r, "nodeid", "") for r in reports):
        return
    from tests.test_permission_matrix import matrix_cells

    terminalreporter.write_line(
        f"Matrice d'autorisations : {len(matrix_cells())} cellules (URL × méthode × persona) comparées à EXPECTED."
    )

"""Authorisation matrix rows of this area (see tests/matrix/__init__.py)."""

EXPECTED = {}
PARAMS = ()


def objects(world):
    return {}

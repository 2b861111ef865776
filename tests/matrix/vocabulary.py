"""The values of the authorisation matrix cells (shared by tests/test_permission_matrix.py and tests/matrix/*).

An HTTP status; LOGIN (302 to the login page with ?next=); or to("web:url-name") (302 to that page).
Columns, in the order of tests.world.PERSONAS:
 anon  inact  cip  sw  psy  dig  esth  cip_out  psy_out  multi  cip_b  head  orient  steer  admin  padm  ended  partner
"""

from tests.world import PERSONAS

LOGIN = "→login"
ADMIN_LOGIN = "→admin-login"  # the admin's own redirect, whose page then sends to LOGIN (see admin:login)


def to(name):
    return f"→{name}"


def everyone(value):
    return (value,) * len(PERSONAS)


def row(**values):
    """A row from persona=value pairs, `default` for the others: row(default=403, anonymous=LOGIN, cip=200)."""
    default = values.pop("default")
    unknown = set(values) - set(PERSONAS)
    assert not unknown, f"personas inconnues : {unknown}"
    return tuple(values.get(p, default) for p in PERSONAS)

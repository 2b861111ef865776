"""The partner's link (/partenaire/orientation/<token>/) carries its credential in the path: it is masked in the
request logs (parcours.core.redact)."""

from parcours.core.redact import MASK, redact, register

__all__ = ["MASK", "install", "redact"]


def install() -> None:
    register("/partenaire/orientation/")

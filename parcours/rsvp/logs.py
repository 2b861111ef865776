"""The person's link (/rdv/<token>/) and the counselor's feed (/agenda/flux/<token>.ics) carry their credential in
the path: it is masked in the request logs (parcours.core.redact)."""

from parcours.core.redact import MASK, redact, register

__all__ = ["MASK", "install", "redact"]


def install() -> None:
    register("/rdv/", "/agenda/flux/")

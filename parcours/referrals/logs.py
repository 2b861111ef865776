"""Keep the partner's link out of the logs (SECURITY T-C4), like parcours.rsvp.logs does for the person's link.

The link (/partenaire/orientation/<token>/) carries its credential in the path: this filter masks it in the
records of the loggers that write request paths.
"""

import logging
import re

MASK = "[jeton masqué]"
SECRET_IN_PATH = re.compile(r"(/partenaire/orientation/)[^/\s?#\"']+(?=[/\s?#\"']|$)")
LOGGERS = ("django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost")


def redact(value):
    if isinstance(value, str):
        return SECRET_IN_PATH.sub(lambda m: f"{m.group(1)}{MASK}", value)
    return value


class RedactPartnerTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(redact(value) for value in record.args)
        return True


_FILTER = RedactPartnerTokens()


def install() -> None:
    """Attach the filter to the loggers that write request paths (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

"""Keep the secrets of capability URLs out of the logs (SECURITY T-C4, the dora token-in-URL lesson).

Django logs the path of every 4xx/5xx response (`django.request`), of CSRF refusals (`django.security.csrf`)
and of every request under runserver (`django.server`). The person's link (/rdv/<token>/) and the counselor's
feed (/agenda/flux/<token>.ics) carry their credential in the path: this filter masks it in those records.
"""

import logging
import re

MASK = "[jeton masqué]"
SECRET_IN_PATH = re.compile(r"(/rdv/|/agenda/flux/)[^/\s?#\"']+?(\.ics)?(?=[/\s?#\"']|$)")
LOGGERS = ("django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost")


def redact(value):
    if isinstance(value, str):
        return SECRET_IN_PATH.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2) or ''}", value)
    return value


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(redact(value) for value in record.args)
        return True


_FILTER = RedactTokens()


def install() -> None:
    """Attach the filter to the loggers that write request paths (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

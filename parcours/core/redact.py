"""Keep the secrets of capability URLs out of the logs (SECURITY T-C4, the dora token-in-URL lesson).

Django logs the path of every 4xx/5xx response (`django.request`), of CSRF refusals (`django.security.csrf`)
and of every request under runserver (`django.server`). A link whose credential is in its path (the person's
link, the counselor's feed, the partner's link) registers its path prefix here; the filter masks what follows.
"""

import logging
import re

MASK = "[jeton masqué]"
LOGGERS = ("django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost")
_prefixes: list[str] = []
_pattern = None


def register(*prefixes: str) -> None:
    """Mask the path segment after each prefix (e.g. "/rdv/") in the request loggers (idempotent)."""
    global _pattern
    for prefix in prefixes:
        if prefix not in _prefixes:
            _prefixes.append(prefix)
    alternatives = "|".join(re.escape(p) for p in _prefixes)
    _pattern = re.compile(rf"({alternatives})[^/\s?#\"']+?(\.ics)?(?=[/\s?#\"']|$)")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def redact(value):
    if isinstance(value, str) and _pattern is not None:
        return _pattern.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2) or ''}", value)
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

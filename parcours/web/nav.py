"""Entries of the main navigation contributed by each area of the web door.

Each `parcours/web/urls_<area>.py` module may define `NAV = [NavEntry(...)]`; the context processor shows the
entries whose `visible(request)` is true, in `order`, after the core entries.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str  # full name, e.g. "web:orientation-queue"
    visible: Callable  # request -> bool (request.viewer and request.user are set)
    order: int = 50

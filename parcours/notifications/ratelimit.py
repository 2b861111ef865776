"""A rate limit shared by every worker process, through the database (GCRA, "virtual scheduling").

Why not per-task pacing: the number of workers sending at the same time is not known to a task (two bulk
workers, more in production, a retry running next to a fresh batch), so pacing each task at limit / workers
either exceeds the limit or leaves capacity unused. Here one row per limit holds the time of the next free slot;
each message takes the next slot with one atomic UPDATE … RETURNING (no lock held while waiting) and sleeps
until it. Slots are 1 / rate apart whoever takes them, so the aggregate never exceeds the limit, and stays at it
as long as some worker is ready to send. No burst is allowed: an idle period gives back no credit.

Slot times are epoch seconds read from each worker's clock (workers of one installation share NTP time).
"""

import time

from django.db import connection

from parcours.notifications.models import RateLimit

_TABLE = RateLimit._meta.db_table


class SharedRateLimiter:
    def __init__(self, name: str, rate_per_second: float):
        if rate_per_second <= 0:
            raise ValueError("Le débit doit être positif.")
        self.name = name
        self.interval = 1.0 / rate_per_second

    def reserve(self, now: float | None = None) -> float:
        """Take the next free slot; returns its time (epoch seconds)."""
        now = time.time() if now is None else now
        sql = (
            f"UPDATE {_TABLE} SET next_at = (CASE WHEN next_at > %s THEN next_at ELSE %s END) + %s "  # noqa: S608
            "WHERE name = %s RETURNING next_at"
        )
        for _ in range(2):
            with connection.cursor() as cursor:
                cursor.execute(sql, [now, now, self.interval, self.name])
                row = cursor.fetchone()
            if row is not None:
                return row[0] - self.interval
            RateLimit.objects.get_or_create(name=self.name)
        raise RuntimeError("Limite de débit introuvable.")

    def acquire(self) -> float:
        """Wait for our slot; returns how long we waited."""
        slot = self.reserve()
        delay = slot - time.time()
        if delay > 0:
            time.sleep(delay)
            return delay
        return 0.0

    def push_back(self, seconds: float) -> None:
        """The provider said 429: nobody sends before `seconds` from now."""
        until = time.time() + seconds
        RateLimit.objects.filter(name=self.name, next_at__lt=until).update(next_at=until)

"""Enqueue work for the workers (django-q2, ORM broker: same database, same transaction).

`enqueue()` inserts the task in the current transaction: when the change that asks for it is rolled back, the
task disappears with it; once committed, a worker runs it even after a crash (the task stays locked for
Q_CLUSTER["retry"] seconds, then is delivered again). Jobs must therefore be idempotent: `once(key)` makes
a database effect happen exactly once (`first_time`), and `@job` retries a failing job with exponential backoff.
"""

import datetime
import functools
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q import humanhash
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from parcours.jobs.models import JobOnce
from parcours.jobs.queues import BULK, INTERACTIVE

logger = logging.getLogger(__name__)

ATTEMPT_KWARG = "_attempt"


def enqueue(func_path: str, *args, queue: str = INTERACTIVE, delay: datetime.timedelta | None = None, **kwargs):
    """Queue `func_path(*args, **kwargs)` on `queue`; with `delay`, through a one-off schedule."""
    if queue not in (INTERACTIVE, BULK):
        raise ValueError(f"Unknown queue {queue!r}")
    if delay:
        return Schedule.objects.create(
            func=func_path,
            args=repr(tuple(args)) if args else None,
            kwargs=repr(kwargs) if kwargs else None,
            schedule_type=Schedule.ONCE,
            repeats=1,
            next_run=timezone.now() + delay,
            cluster=queue,
            name=None,
        )
    return async_task(func_path, *args, cluster=queue, **kwargs)


def enqueue_many(func_path: str, arg_lists, *, queue: str = INTERACTIVE) -> int:
    """Queue one task per tuple of `arg_lists` with a single INSERT (bulk sends: W8, 10,000 invitations ≤ 1 s).

    The packages are the ones `async_task` builds (signed with django-q2's own `SignedPackage`), written with one
    `bulk_create` on the ORM broker's table instead of one INSERT each; still in the caller's transaction.
    """
    if queue not in (INTERACTIVE, BULK):
        raise ValueError(f"Unknown queue {queue!r}")
    now = timezone.now()
    rows = []
    for args in arg_lists:
        name, task_id = humanhash.uuid()
        task = {"id": task_id, "name": name, "func": func_path, "args": tuple(args), "kwargs": {}}
        task.update(cluster=queue, started=now, ack_failure=bool(settings.Q_CLUSTER.get("ack_failures")))
        rows.append(OrmQ(key=queue, payload=SignedPackage.dumps(task), lock=now))
    OrmQ.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def backoff(attempt: int) -> datetime.timedelta:
    """Delay before retry number `attempt` (1-based): base × 4^(attempt-1), e.g. 30 s, 2 min, 8 min, 32 min."""
    base = settings.JOBS["retry_base_seconds"]
    return datetime.timedelta(seconds=base * 4 ** (attempt - 1))


def job(max_attempts: int | None = None, queue: str = INTERACTIVE):
    """Decorate a task: an exception schedules the same call again after `backoff()`, up to `max_attempts`.

    The failure is still recorded by django-q2 (admin « Tâches échouées »), which is the dead-letter list once
    the attempts are exhausted.
    """

    def decorator(func):
        path = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            attempt = kwargs.pop(ATTEMPT_KWARG, 1)
            try:
                return func(*args, **kwargs)
            except Exception:
                limit = max_attempts or settings.JOBS["max_attempts"]
                if attempt < limit:
                    delay = backoff(attempt)
                    logger.warning("Job %s failed (attempt %s/%s), retry in %s", path, attempt, limit, delay)
                    enqueue(path, *args, queue=queue, delay=delay, **{**kwargs, ATTEMPT_KWARG: attempt + 1})
                else:
                    logger.error("Job %s failed after %s attempts, given up", path, attempt)
                raise

        wrapper.job_path = path
        return wrapper

    return decorator


def first_time(key: str) -> bool:
    """Claim `key` inside the transaction of a job's effect: False when that effect was already committed.

    Usage (the claim and the effect commit together, or roll back together)::

        with transaction.atomic():
            if not first_time(f"invitation:{message_id}"):
                return
            ...  # effect
    """
    try:
        with transaction.atomic():
            JobOnce.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def call(func_path: str, *args, **kwargs):
    """Run a task function in this process (management commands, tests)."""
    return import_string(func_path)(*args, **kwargs)


__all__ = ["BULK", "INTERACTIVE", "backoff", "call", "enqueue", "enqueue_many", "first_time", "job"]

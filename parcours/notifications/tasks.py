"""Tasks of the notifications (run by the BULK workers: `Q_CLUSTER_NAME=bulk manage.py qcluster`)."""

from parcours.jobs.api import job
from parcours.jobs.queues import BULK
from parcours.notifications import reminders, sending


@job(max_attempts=sending.MAX_ATTEMPTS + 1, queue=BULK)
def send_batch(message_ids: list[int]) -> dict:
    """Send up to 50 messages; an outage makes the task fail and come back later (backoff)."""
    return sending.send_batch(message_ids)


def send_due_reminders() -> int:
    """Periodic (every 15 minutes): reminders due now, once per appointment and offset."""
    return reminders.send_due_reminders()

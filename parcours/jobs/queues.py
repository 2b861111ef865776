"""The queues of Parcours, one django-q2 cluster each, so that a burst on one never delays the other.

- INTERACTIVE: what a person is waiting for (re-planning after a cancellation, a counselor's proposal, alerts).
- BULK: mass work that may take minutes (invitations and reminders, imports, territory planning, rollups).
"""

INTERACTIVE = "parcours"
BULK = "bulk"
ALL = (INTERACTIVE, BULK)

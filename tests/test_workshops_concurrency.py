"""Two counselors register a person on the last seat at the same moment: one seat, one waitlist, never two seats.

Real transactions in two threads (each with its own database connection). Counting the seats is slowed down so
that, without the lock on the session row, both would count the seat as free and both take it.
"""

import threading
import time

import pytest
from django.db import connection

from parcours.workshops import services
from parcours.workshops.enums import RegistrationStatus
from parcours.workshops.models import Registration
from tests.test_workshops_support import followed_people, make_series, make_session


@pytest.mark.django_db(transaction=True)
def test_two_registrations_for_the_last_seat_at_the_same_time_never_overbook(world, monkeypatch):
    session = make_session(make_series(world), capacity=2)
    first, second, third = followed_people(world, 3)
    services.register(session, first, by=world["cip"])  # one seat left

    count = services._seats_taken

    def slow_count(s):
        taken = count(s)
        time.sleep(0.5)  # both transactions would read "1 taken" here if nothing serialised them
        return taken

    monkeypatch.setattr(services, "_seats_taken", slow_count)
    start, errors = threading.Barrier(2), []

    def register(person, user):
        try:
            start.wait(5)
            services.register(session, person, by=user)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(second, world["cip"])),
        threading.Thread(target=register, args=(third, world["social_worker"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    rows = sorted(Registration.objects.filter(session=session).values_list("status", "waitlist_rank"))
    assert rows == [
        (RegistrationStatus.REGISTERED, None),
        (RegistrationStatus.REGISTERED, None),
        (RegistrationStatus.WAITLISTED, 1),
    ]

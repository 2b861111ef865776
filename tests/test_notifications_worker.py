"""Exactly once across a crash: a real BULK worker (`Q_CLUSTER_NAME=bulk manage.py qcluster`) sends a batch to
the fake provider, is killed with SIGKILL in the middle of it, and a new worker finishes the batch."""

import datetime
import os
import signal
from collections import Counter

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from parcours.agenda.services import plan_appointment
from parcours.notifications.enums import Channel, MessageStatus
from parcours.notifications.fake_provider import FakeSmsServer
from parcours.notifications.models import ContactPreference, Message
from parcours.notifications.services import invite
from parcours.people.models import Beneficiary
from tests import processes

MESSAGES = 12
KILL_AFTER = 4


@pytest.mark.django_db(transaction=True)
def test_a_batch_interrupted_by_a_killed_worker_is_sent_exactly_once(world, cip, tmp_path):
    people = Beneficiary.objects.bulk_create(
        Beneficiary(department=world.alice.department, first_name=f"P{i}", last_name="Panne", phone="0612345678")
        for i in range(MESSAGES)
    )
    ContactPreference.objects.bulk_create(
        ContactPreference(beneficiary=p, channel=Channel.SMS, sms_consent=True) for p in people
    )
    starts = timezone.now() + datetime.timedelta(days=5)
    appointments = [
        plan_appointment(p, follow_up=None, counselor=cip, by=cip, starts_at=starts, kind="follow_up", mode="on_site")
        for p in people
    ]
    messages = invite(appointments, by=cip)
    assert OrmQ.objects.count() == 1  # one task for the whole batch
    refs = {str(m.client_ref) for m in messages}

    # The provider records each message on arrival, then takes 0.4 s to answer: a kill lands between the
    # provider receiving a message and the worker recording it.
    with FakeSmsServer(rate=0, delay=0.4, api_key="cle-de-test") as fake:
        env = processes.worker_env(
            Q_CLUSTER_NAME="bulk",
            JOB_RETRY_SECONDS="8",  # a task whose worker died is delivered again after 8 s
            JOB_BULK_WORKERS="1",
            SMS_PROVIDER="fake",
            SMS_API_URL=fake.url,
            SMS_API_KEY="cle-de-test",
            SMS_RATE_PER_SECOND="50",
        )
        log = tmp_path / "cluster.log"
        cluster = processes.start_cluster(env, log)
        try:
            assert processes.wait_for(lambda: len(fake.received) >= KILL_AFTER, 60, step=0.05), log.read_text()
            os.killpg(cluster.pid, signal.SIGKILL)  # the whole cluster, workers included, as in a power cut
            cluster.wait(10)
        finally:
            processes.stop(cluster, signal.SIGKILL)
        received_before = len(fake.received)
        in_flight = Message.objects.filter(pk__in=[m.pk for m in messages], status=MessageStatus.SENDING)
        # The message being answered when the worker died: received by the provider, still "sending" here.
        assert [str(m.client_ref) for m in in_flight] == [fake.received[-1].tag]
        assert KILL_AFTER <= received_before < MESSAGES

        cluster = processes.start_cluster(env, log)
        try:
            done = processes.wait_for(
                lambda: (
                    Message.objects.filter(status=MessageStatus.SENT).count() == MESSAGES and not OrmQ.objects.exists()
                ),  # and the task acknowledged
                90,
                step=0.05,
            )
            assert done, log.read_text()
        finally:
            processes.stop(cluster)
        received = [r.tag for r in fake.received]

    counts = Counter(received)
    assert set(counts) == refs, "un message n'a jamais été reçu par le fournisseur"
    assert max(counts.values()) == 1, f"reçus deux fois : {[r for r, n in counts.items() if n > 1]}"
    assert len(received) == MESSAGES
    assert OrmQ.objects.count() == 0
    # Every message carries the provider's reference, including the one recovered by lookup after the crash.
    assert not Message.objects.filter(provider_ref="").exists()

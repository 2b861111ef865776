"""Per-partner statistics of the referrals, on a hand-built set, and the agency's page."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parcours.orientation.perms import viewer_for
from parcours.referrals import queries
from parcours.referrals.enums import ReferralStatus as S
from parcours.referrals.models import Referral
from tests.test_referrals_support import make_service, make_structure

NOW = timezone.now()


def make(world, service, status, *, sent_days, answer_days=None, started=False, person=None):
    """A referral as the partner left it: sent `sent_days` ago, answered `answer_days` after."""
    person = person or world.alice
    follow_up = person.follow_ups.get()
    sent_at = NOW - datetime.timedelta(days=sent_days)
    answered_at = sent_at + datetime.timedelta(days=answer_days) if answer_days is not None else None
    started_on = timezone.localdate(answered_at) if started else None
    final = status in (S.REFUSED, S.EXPIRED, S.COMPLETED, S.ABANDONED)
    return Referral.objects.create(
        department_id=person.department_id,
        beneficiary=person,
        follow_up=follow_up,
        service=service,
        sent_by=follow_up.referent,
        status=status,
        consent_at=sent_at,
        consent_by=follow_up.referent,
        sent_at=sent_at,
        expires_at=sent_at + datetime.timedelta(days=30),
        link_expires_at=sent_at + datetime.timedelta(days=8),
        answered_at=answered_at,
        refusal_reason="service_full" if status == S.REFUSED else "",
        abandon_reason="never_came" if status == S.ABANDONED else "",
        started_on=started_on,
        completed_on=timezone.localdate() if status == S.COMPLETED else None,
        closed_at=NOW if final else None,
    )


@pytest.fixture
def hand_built(world):
    alpha = make_service(world, structure=make_structure(world, name="Alpha"), name="Alpha service")
    beta = make_service(world, structure=make_structure(world, name="Beta"), name="Beta service")
    make(world, alpha, S.COMPLETED, sent_days=40, answer_days=2, started=True)
    make(world, alpha, S.REFUSED, sent_days=30, answer_days=4)
    make(world, alpha, S.EXPIRED, sent_days=35)
    make(world, alpha, S.SENT, sent_days=3)
    make(world, alpha, S.ABANDONED, sent_days=50, answer_days=6, started=True)
    make(world, alpha, S.ABANDONED, sent_days=20, answer_days=1)  # accepted, never came: not started
    make(world, alpha, S.COMPLETED, sent_days=400, answer_days=1, started=True)  # out of the year
    make(world, beta, S.SENT, sent_days=2)
    make(world, alpha, S.REFUSED, sent_days=5, answer_days=0.5, person=world.carla)  # another agency (B)
    return alpha, beta


def test_partner_statistics_on_a_hand_built_set(world, hand_built):
    stats = queries.partner_stats(queries.agency(viewer_for(world["agency_head"])))
    assert [s.name for s in stats] == ["Alpha", "Beta"]
    alpha, beta = stats
    assert (alpha.sent, alpha.waiting, alpha.answered, alpha.expired) == (6, 1, 4, 1)
    assert (alpha.accepted, alpha.started, alpha.completed, alpha.abandoned_after_start) == (3, 2, 1, 1)
    assert alpha.answer_rate == pytest.approx(4 / 5)
    assert alpha.median_answer_days == pytest.approx(3.0)  # 1, 2, 4, 6 days
    assert alpha.start_rate == pytest.approx(2 / 3)
    assert alpha.completion_rate == pytest.approx(1 / 2)
    assert (beta.sent, beta.waiting) == (1, 1)
    assert beta.answer_rate is None and beta.median_answer_days is None and beta.completion_rate is None


def test_the_agency_page_shows_the_statistics_in_constant_sql(world, hand_built, client_for):
    client = client_for("agency_head")
    client.get(reverse("web:referrals-agency"))  # warm the caches (dated rules, session)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("web:referrals-agency"))
    text = re.sub(r"\s+", " ", html.unescape(page.content.decode()))
    row = re.search(r'<th scope="row">Alpha</th>(.*?)</tr>', text).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["6", "1", "80 %", "3,0 j", "67 %", "50 %"]
    assert "Camille Martin" in text  # the referent column
    alpha, _beta = hand_built

    def another(n):  # one open referral per person and service: another service of the same structure
        return make_service(world, structure=alpha.structure, name=f"Alpha {n}")

    make(world, another(0), S.SENT, sent_days=12)  # late: every list has rows now
    client.get(reverse("web:referrals-agency"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:referrals-agency"))
    for n in range(1, 6):
        make(world, another(n), S.SENT, sent_days=12)
        make(world, alpha, S.COMPLETED, sent_days=45, answer_days=3, started=True)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("web:referrals-agency"))
    assert len(more) == len(few)


def test_the_agency_page_is_scoped_to_the_agency(world, hand_built, client_for):
    make(world, hand_built[1], S.SENT, sent_days=1, person=world.carla)
    text = client_for("agency_head").get(reverse("web:referrals-agency")).content.decode()
    assert "Carla" not in text and "NGUYEN" not in text


def test_the_demo_seeds_referrals_in_every_status_once(world, monkeypatch):
    from parcours.referrals import demo

    make_service(world, name="Atelier démo")
    monkeypatch.setattr(demo, "SHARE_RATE", 1.0)
    counts = set()
    for seed in range(1, 4):
        Referral.objects.all().delete()
        assert demo.seed_referrals(world.dept_a, seed=seed) == 3  # Alice, Bob, Dan (Carla is in B)
        counts |= set(Referral.objects.values_list("status", flat=True))
        assert demo.seed_referrals(world.dept_a, seed=seed) == 0
    assert len(counts) >= 3
    stats = queries.partner_stats(Referral.objects.all(), since=NOW - datetime.timedelta(days=400))
    assert sum(s.sent for s in stats) == 3

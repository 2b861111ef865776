"""The agenda engine end to end, in Chromium, with real workers, a real SMTP server and the fake SMS provider.

A counselor with 95 people due (and room for about 90) records a no-show, which starts the follow-up (a new
convocation goes out at once and the work queue shows the procedure); she then gets a two-week plan, confirms
it, and the convocations reach the SMS provider and the SMTP server. A person opens the link of her SMS and
cancels: the slot is re-planned for someone left without one, which the counselor confirms.
"""

import datetime
import re

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from playwright.sync_api import expect

from parcours.agenda.enums import AppointmentStatus, Mode
from parcours.agenda.models import Appointment
from parcours.notifications.fake_provider import FakeSmsServer
from parcours.notifications.models import ContactPreference
from parcours.orientation.enums import Parcours
from parcours.orientation.models import FollowUp
from parcours.people.models import Beneficiary
from parcours.scheduling.models import Place, PlanningItem, PlanningRun, Room, WorkingHours
from tests import processes

PEOPLE = 95
LINK = re.compile(r"https?://\S+/rdv/[^/\s]+/")


def wait_for(predicate, seconds: float, what: str):
    if not processes.wait_for(predicate, seconds, step=0.3):
        raise AssertionError(f"délai dépassé : {what}\n{diagnostics()}")


def diagnostics() -> str:
    """What the queue and the messages look like, for a failure message."""
    from django_q.models import Failure, OrmQ

    from parcours.notifications.models import Message

    failures = [f"{f.func}: {str(f.result)[-300:]}" for f in Failure.objects.all()[:5]]
    messages = list(Message.objects.values_list("kind", "channel", "status", "error")[:10])
    return f"file : {OrmQ.objects.count()} tâche(s) ; échecs : {failures} ; messages : {messages}"


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def working_days(count):
    days, day = [], timezone.localdate() + datetime.timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@pytest.fixture
def outside(settings, live_server):
    """The SMTP server, the fake SMS provider and two worker clusters (interactive, bulk) on the test database."""
    inbox = processes.Inbox()
    smtp_port = processes.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    fake = FakeSmsServer(rate=200, api_key="cle-navigateur").start()
    settings.SMS_PROVIDER, settings.SMS_API_URL, settings.SMS_API_KEY = "fake", fake.url, "cle-navigateur"
    settings.SMS_RATE_PER_SECOND = 200
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_port, "use_tls": False, "timeout": 10},
        }
    }
    env = processes.worker_env(
        SMS_PROVIDER="fake",
        SMS_API_URL=fake.url,
        SMS_API_KEY="cle-navigateur",
        SMS_RATE_PER_SECOND="200",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        PUBLIC_BASE_URL=live_server.url,
        JOB_RETRY_SECONDS="30",
        JOB_POLL_SECONDS="0.1",
        JOB_WORKERS="1",
        JOB_BULK_WORKERS="1",
        LOG_LEVEL="INFO",
    )
    log = processes.ROOT / "var" / "browser-workers.log"
    log.write_text("")  # this run's log only (the clusters append to it)
    clusters = [processes.start_cluster({**env, **extra}, log) for extra in ({}, {"Q_CLUSTER_NAME": "bulk"})]
    try:
        yield fake, inbox
    finally:
        for cluster in clusters:
            processes.stop(cluster)
        fake.stop()
        controller.stop()


@pytest.fixture
def caseload(world):
    """The CIP's agency (2 rooms), her week (9 slots a day), 95 more people due in the coming two weeks."""
    place = Place.objects.create(organization=world.organization, name="Agence de Bobigny", address="1 rue Anatole")
    Room.objects.bulk_create([Room(place=place, name="Bureau 1"), Room(place=place, name="Bureau 2")])
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(user=world.cip, weekday=d, start=s, end=e, place=place)
            for d in range(5)
            for s, e in ((datetime.time(8, 30), datetime.time(12, 15)), (datetime.time(13, 30), datetime.time(16, 30)))
        ]
    )
    ContactPreference.objects.create(beneficiary=world.person, channel="sms", sms_consent=True)
    days = working_days(10)
    people = []
    for n in range(PEOPLE):
        by_mail = n % 3 == 2
        person = Beneficiary.objects.create(
            department=world.department,
            first_name=f"Prénom{n:02d}",
            last_name=f"Personne{n:02d}",
            phone="" if by_mail else f"06{n:08d}",
            email=f"personne{n:02d}@exemple.fr" if by_mail else "",
        )
        due_on = days[n % 10] if n >= 10 else timezone.localdate() - datetime.timedelta(days=3)
        seen = due_on - datetime.timedelta(days=15)
        follow_up = FollowUp.objects.create(
            department=world.department,
            beneficiary=person,
            parcours=Parcours.PRO,
            organization=world.organization,
            referent=world.cip,
            start_date=seen - datetime.timedelta(days=30),
        )
        Appointment.objects.create(
            department=world.department,
            beneficiary=person,
            follow_up=follow_up,
            counselor=world.cip,
            starts_at=at(seen, 10),
            mode=Mode.ON_SITE,
            status=AppointmentStatus.SEEN,
        )
        ContactPreference.objects.create(
            beneficiary=person,
            channel="email" if by_mail else "sms",
            sms_consent=not by_mail,
            email_consent=by_mail,
        )
        people.append(person)
    return people


def sms_to(fake, number_digits):
    return [m for m in fake.received if m.recipient.endswith(number_digits)]


def test_plan_confirm_invite_cancel_replan_and_no_show(browsing, world, caseload, outside):
    fake, inbox = outside
    page = browsing.page
    browsing.login(world.cip.email)

    # 1. A no-show starts the follow-up: a new convocation at once, and the procedure in the work queue.
    browsing.goto(f"/personnes/{world.person.public_id}/")
    card = page.locator(f"#appointment-{world.appointment.public_id}")
    card.locator("summary", has_text="Noter l'issue").click()
    card.get_by_label("Le rendez-vous a été").select_option("no_show")
    card.get_by_role("button", name="Enregistrer l'issue").click()
    expect(page.get_by_text("Absent·e sans excuse").first).to_be_visible()
    wait_for(lambda: sms_to(fake, "612345678"), 60, "la nouvelle convocation de Léa après son absence")
    assert LINK.search(sms_to(fake, "612345678")[0].content)
    page.get_by_role("link", name="File de travail").click()
    procedures = page.locator("section", has=page.get_by_role("heading", name="Relances après absence en cours"))
    expect(procedures.get_by_text("Rivière", exact=False)).to_be_visible()

    # 2. The two-week plan: proposed, reviewed, confirmed; the convocations go out.
    page.get_by_role("link", name="Planning").click()
    # Léa's re-planning left a proposal already: the counselor asks for a fresh one.
    page.get_by_role("button", name="Recalculer une proposition").click()
    expect(page.get_by_text("Proposition calculée")).to_be_visible()
    run = PlanningRun.objects.get(counselor=world.cip, reason="")
    placed = run.items.count()
    assert run.people_due == PEOPLE and 80 <= placed < PEOPLE and run.unplaced_count == PEOPLE - placed
    assert run.greedy_cost is None or run.cost <= run.greedy_cost
    expect(page.get_by_role("checkbox")).to_have_count(placed)
    page.get_by_role("button", name="Confirmer la sélection et envoyer les convocations").click()
    expect(page.get_by_text(f"{placed} rendez-vous confirmé(s)")).to_be_visible()
    booked = {i.beneficiary_id: i for i in run.items.select_related("beneficiary", "appointment")}
    by_sms = [i for i in booked.values() if i.beneficiary.phone]
    by_mail = [i for i in booked.values() if i.beneficiary.email]
    wait_for(lambda: len(fake.received) >= 1 + len(by_sms), 90, "les SMS au fournisseur")
    wait_for(lambda: len(inbox.messages) >= len(by_mail), 90, "les e-mails au serveur SMTP")
    assert {m.recipient[-8:] for m in fake.received[1:]} == {i.beneficiary.phone[-8:] for i in by_sms}
    assert all(b"BEGIN:VCALENDAR" in e.content for e in inbox.messages)  # the .ics attachment

    # 3. A person cancels through her link; the freed slot is re-planned for someone left without one.
    unplaced = {u["beneficiary_id"] for u in run.unplaced}
    names = list(Beneficiary.objects.filter(pk__in=unplaced).values_list("last_name", flat=True))
    days = working_days(10)

    def could_take(name, day):  # Personne00–09 are overdue (any day); the others: their due day ± 2 days
        n = int(name[-2:])
        return n < 10 or abs((day - days[n % 10]).days) <= 2

    leaving = next(
        i for i in by_sms if any(could_take(name, timezone.localtime(i.starts_at).date()) for name in names)
    )
    (message,) = sms_to(fake, leaving.beneficiary.phone[-8:])
    link = LINK.search(message.content).group(0)
    person_view = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    try:
        person_page = person_view.new_page()
        person_page.goto(link)
        expect(person_page.get_by_role("heading", name="Votre rendez-vous")).to_be_visible()
        person_page.get_by_role("button", name="J'annule").click()
        expect(person_page.get_by_text("annulé", exact=False).first).to_be_visible()
    finally:
        person_view.close()
    leaving.appointment.refresh_from_db()
    assert leaving.appointment.status == AppointmentStatus.CANCELLED
    wait_for(
        lambda: PlanningRun.objects.filter(counselor=world.cip, reason="cancelled").exists(),
        60,
        "la replanification après l'annulation",
    )
    replan = PlanningRun.objects.get(counselor=world.cip, reason="cancelled")
    taker = replan.items.get(starts_at=leaving.starts_at)
    assert taker.beneficiary_id in unplaced
    page.reload()
    expect(
        page.get_by_role("link", name=f"{taker.beneficiary.last_name.upper()} {taker.beneficiary.first_name}")
    ).to_be_visible()
    page.get_by_role("button", name="Confirmer la sélection et envoyer les convocations").click()
    expect(page.locator(".notice-success", has_text="1 rendez-vous confirmé(s)")).to_be_visible()
    assert PlanningItem.objects.get(pk=taker.pk).appointment_id is not None
    contact = taker.beneficiary.phone[-8:] or taker.beneficiary.email
    if taker.beneficiary.phone:
        wait_for(lambda: sms_to(fake, contact), 60, "la convocation sur le créneau libéré")
    else:
        wait_for(lambda: any(contact in e.rcpt_tos for e in inbox.messages), 60, "l'e-mail sur le créneau libéré")
    assert not browsing.problems()

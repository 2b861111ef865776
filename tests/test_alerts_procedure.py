"""The no-show follow-up (issue 3 §4): new convocation, then letter, then review panel with the history attached."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from parcours.agenda.models import Appointment
from parcours.agenda.services import record_outcome
from parcours.alerts.enums import AlertKind, CaseStatus, CloseReason, ProcedureStatus, ProcedureStep
from parcours.alerts.models import NoShowProcedure, ReviewPanelCase
from parcours.alerts.services import decide_case
from parcours.alerts.tasks import after_outcome, scan_all
from parcours.jobs.queues import INTERACTIVE
from parcours.jobs.runner import run_pending
from parcours.notifications.enums import Channel, MessageKind
from parcours.notifications.models import Message
from parcours.plans.services import create_contract
from tests.test_alerts_support import at, follow, kinds, meet, queued, travel

AFTER_OUTCOME = "parcours.alerts.tasks.after_outcome"
REPLAN = "parcours.scheduling.tasks.replan_counselor"


def missed(someone, fu, counselor, when) -> Appointment:
    """A no-show recorded through the agenda, then the task that record_outcome enqueued for it."""
    appointment = meet(someone, fu, counselor, when, "no_show")
    after_outcome(appointment.pk)
    return appointment


def procedure_of(fu) -> NoShowProcedure:
    return NoShowProcedure.objects.select_related("beneficiary").get(follow_up=fu)


def test_record_outcome_enqueues_the_follow_up_only_for_a_no_show(world, cip):
    someone, fu = follow(world, cip, "Tom", "Queue")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=2), "seen")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=3), "excused")
    absent = meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=4), "no_show")
    assert [t["args"] for t in queued(AFTER_OUTCOME)] == [(absent.pk,)]
    assert not NoShowProcedure.objects.exists()  # nothing happens before the task runs


def test_a_no_show_starts_the_procedure_with_a_new_convocation_once(world, cip):
    someone, fu = follow(world, cip, "Lea", "Absente")
    appointment = missed(someone, fu, cip, timezone.now() - datetime.timedelta(hours=1))
    procedure = procedure_of(fu)
    assert procedure.step == ProcedureStep.INVITATION and procedure.status == ProcedureStatus.OPEN
    assert procedure.appointment == appointment and procedure.missed_at == appointment.starts_at
    replans = queued(REPLAN)
    assert len(replans) == 1
    assert replans[0]["args"] == (cip.pk,)
    assert replans[0]["kwargs"]["reason"] == "no_show" and replans[0]["kwargs"]["beneficiary_id"] == someone.pk
    event = someone.timeline.get(kind="no_show_procedure")
    assert event.summary.startswith("Relance après absence : absence au rendez-vous du ")
    assert event.summary.endswith("une nouvelle convocation est demandée.")
    assert kinds(fu) == {AlertKind.NO_SHOW}  # the alert is in the work queue at once
    after_outcome(appointment.pk)  # delivered twice (a worker died): nothing more
    assert NoShowProcedure.objects.filter(follow_up=fu).count() == 1 and len(queued(REPLAN)) == 1
    assert someone.timeline.filter(kind="no_show_procedure").count() == 1


def test_invitation_then_letter_then_review_panel_with_the_history_attached(world, cip, agency_head):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Max", "Relance", started=at(-60).date())
        create_contract(
            fu,
            by=cip,
            kind="engagement",
            start_date=at(-50).date(),
            end_date=at(130).date(),
            weekly_hours=Decimal(15),
            hours_exemption="none",
        )
        meet(someone, fu, cip, at(-20, 9), "seen")
        missed(someone, fu, cip, at(0, 9))
        second = meet(someone, fu, cip, at(3, 9))  # the new convocation (placed by the re-planning)
    with travel(at(3, 12)):
        record_outcome(second, by=cip, status="no_show", report="", expected_version=second.version)
        after_outcome(second.pk)
        procedure = procedure_of(fu)
        assert procedure.step == ProcedureStep.LETTER and procedure.letter_at == timezone.now()
        letter = Message.objects.get(beneficiary=someone, kind=MessageKind.LETTER)
        assert letter.channel == Channel.POSTAL and letter.appointment == second
        assert someone.timeline.filter(kind="no_show_procedure").count() == 2
        assert "un courrier de relance est adressé" in procedure.history[-1]["text"]
        scan_all()  # nothing else to do yet
        assert procedure_of(fu).step == ProcedureStep.LETTER
    with travel(at(18, 12)):  # 15 days after the letter: not yet more than 15
        scan_all()
        assert procedure_of(fu).step == ProcedureStep.LETTER
    with travel(at(19, 12)):
        scan_all()
        scan_all()  # twice: still one case
        procedure = procedure_of(fu)
        assert procedure.step == ProcedureStep.REVIEW_PANEL and procedure.status == ProcedureStatus.OPEN
        case = ReviewPanelCase.objects.get(follow_up=fu)
        assert case.status == CaseStatus.PROPOSED and case.procedure == procedure
        snapshot = case.snapshot
        assert [a["status"] for a in snapshot["appointments"]] == ["seen", "no_show", "no_show"]
        assert snapshot["no_shows"] == 2
        assert snapshot["contract"]["end_date"] == f"{at(130).date():%d/%m/%Y}"
        assert [m["kind"] for m in snapshot["messages"]] == ["Courrier"]
        assert len(snapshot["procedure"]) == 3
        assert "proposée à l'équipe pluridisciplinaire" in snapshot["procedure"][-1]["text"]
        assert someone.timeline.filter(kind="no_show_procedure").count() == 3
        # Frozen: what happens later does not change the history attached.
        meet(someone, fu, cip, at(19, 9), "no_show")
        case.refresh_from_db()
        assert case.snapshot == snapshot
        decide_case(case, by=agency_head, decision_kind="maintain", decision="Rencontre prévue.", expected_version=1)
        procedure = procedure_of(fu)
        assert procedure.status == ProcedureStatus.CLOSED and procedure.close_reason == CloseReason.DECIDED
        assert someone.timeline.filter(kind="review_panel").count() == 1


def test_a_seen_appointment_closes_the_procedure(world, cip):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Sam", "Revenu")
        missed(someone, fu, cip, at(0, 9))
        new = meet(someone, fu, cip, at(4, 9))
    with travel(at(4, 12)):
        record_outcome(new, by=cip, status="seen", report="", expected_version=new.version)
        scan_all()
        procedure = procedure_of(fu)
        assert procedure.status == ProcedureStatus.CLOSED and procedure.close_reason == CloseReason.SEEN
        assert procedure.step == ProcedureStep.INVITATION and procedure.closed_at == timezone.now()
        assert kinds(fu) == set() and AlertKind.NO_SHOW in kinds(fu, "resolved")
        assert someone.timeline.filter(kind="no_show_procedure", summary__contains="revenue").count() == 1
        scan_all()
        assert someone.timeline.filter(kind="no_show_procedure").count() == 2


def test_without_an_answer_the_letter_goes_after_the_number_of_days_of_the_rule(world, cip):
    with travel(at(0, 12)):
        waiting, fu_waiting = follow(world, cip, "Ada", "Attend")
        silent, fu_silent = follow(world, cip, "Bo", "Silence")
        missed(waiting, fu_waiting, cip, at(0, 9))
        missed(silent, fu_silent, cip, at(0, 9))
        meet(waiting, fu_waiting, cip, at(14, 9))  # a new appointment is planned for Ada: wait for it
    with travel(at(10, 11)):  # ten days minus an hour after the procedure started
        scan_all()
        assert procedure_of(fu_silent).step == ProcedureStep.INVITATION
    with travel(at(10, 13)):
        scan_all()
        assert procedure_of(fu_silent).step == ProcedureStep.LETTER
        assert procedure_of(fu_waiting).step == ProcedureStep.INVITATION
        assert Message.objects.filter(beneficiary=silent, kind=MessageKind.LETTER).count() == 1
        assert "pas de venue ni de rendez-vous prévu après 10 jours" in procedure_of(fu_silent).history[-1]["text"]


def test_the_letter_page_is_printable_french_and_only_once_the_letter_is_due(world, cip, client_for):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Ivy", "Courrier")
        missed(someone, fu, cip, at(0, 9))
        procedure = procedure_of(fu)
        url = reverse("web:no-show-letter", args=[procedure.pk])
        assert client_for("cip").get(url).status_code == 404  # no letter at the invitation step
    with travel(at(11, 12)):
        scan_all()
        response = client_for("cip").get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Objet : absence à vos rendez-vous d'accompagnement" in html
        assert "Vous ne vous êtes pas présenté·e au rendez-vous suivant" in html
        assert f"{at(0, 9):%d}" in html and "dans un délai de 15 jours" in html
        assert "print.css" in html and "data-print" in html
        assert client_for("agency_head").get(url).status_code == 200
        for persona in ("cip_out", "social_worker", "cip_b"):
            assert client_for(persona).get(url).status_code == 404, persona


def test_a_no_show_is_followed_up_by_the_real_planner_and_the_convocation_goes_out(world, cip):
    """End to end through the queue: record_outcome → after_outcome → request_replan → a new appointment, invited."""
    from parcours.scheduling.demo import seed_availability

    seed_availability(world.dept_a)
    someone, fu = follow(world, cip, "Nina", "Bout", started=timezone.localdate() - datetime.timedelta(days=20))
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=2), "no_show")
    run_pending([INTERACTIVE])
    assert procedure_of(fu).step == ProcedureStep.INVITATION
    coming = Appointment.objects.filter(beneficiary=someone, status="planned", starts_at__gt=timezone.now())
    assert coming.count() == 1
    assert Message.objects.filter(appointment=coming.get(), kind=MessageKind.CONVOCATION).exists()


def test_an_old_absence_recorded_after_a_seen_appointment_starts_nothing(world, cip):
    someone, fu = follow(world, cip, "Vic", "Tardif")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(hours=2), "seen")
    missed(someone, fu, cip, timezone.now() - datetime.timedelta(days=3))
    assert not NoShowProcedure.objects.filter(follow_up=fu).exists() and not queued(REPLAN)

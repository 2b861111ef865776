"""Alerts raised and resolved by the hourly scan (issue 3 §4): each kind, idempotence, handled alerts, SQL cost."""

import datetime
from decimal import Decimal

from django.utils import timezone

from parcours.alerts.enums import AlertKind, AlertStatus
from parcours.alerts.models import Alert
from parcours.alerts.services import handle_alert, raise_alert
from parcours.alerts.tasks import scan_all, scan_department
from parcours.orientation.services import assign_referent, close_follow_up
from parcours.people.enums import RsaStatus
from parcours.people.models import Household
from parcours.plans.services import create_contract
from tests.test_alerts_support import at, count_queries, follow, kinds, meet, travel

CADENCE, NO_CONTACT = AlertKind.CADENCE_MISSED, AlertKind.NO_CONTACT


def test_cadence_missed_is_raised_once_the_due_date_has_passed_and_resolved_by_a_seen_appointment(world, cip):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Eve", "Cadence")  # parcours pro: one appointment every 15 days
        meet(someone, fu, cip, at(0, 9), "seen")
        scan_all()
        assert kinds(fu) == set()
    with travel(at(15, 12)):  # due today: not late yet
        scan_all()
        assert kinds(fu) == set()
    with travel(at(16, 12)):
        scan_all()
        assert kinds(fu) == {CADENCE}
        alert = fu.alerts.get()
        due = timezone.localdate() - datetime.timedelta(days=1)
        assert alert.detail == (
            f"Rendez-vous attendu au plus tard le {due:%d/%m/%Y} "
            f"(dernier rendez-vous honoré le {due - datetime.timedelta(days=15):%d/%m/%Y})."
        )
        assert alert.assigned_to == cip and alert.beneficiary == someone and alert.raised_at == timezone.now()
        meet(someone, fu, cip, at(16, 9), "seen")
        scan_all()
        alert.refresh_from_db()
        assert alert.status == AlertStatus.RESOLVED and alert.resolved_at == timezone.now()
        assert kinds(fu) == set()


def test_no_contact_after_the_number_of_days_of_the_dated_rule(world, cip):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Noe", "Contact")
        meet(someone, fu, cip, at(0, 9), "seen")
    with travel(at(30, 12)):
        scan_all()
        assert kinds(fu) == {CADENCE}  # 30 days without contact is not yet "more than 30"
    with travel(at(31, 12)):
        scan_all()
        assert kinds(fu) == {CADENCE, NO_CONTACT}
        assert fu.alerts.get(kind=NO_CONTACT).detail == (
            f"Aucun rendez-vous honoré depuis le {timezone.localdate() - datetime.timedelta(days=31):%d/%m/%Y}."
        )
        meet(someone, fu, cip, at(31, 9), "seen")
        scan_all()
        assert kinds(fu) == set() and kinds(fu, "resolved") == {CADENCE, NO_CONTACT}


def test_a_person_never_seen_counts_from_the_start_of_the_accompaniment(world, cip):
    someone, fu = follow(world, cip, "Ugo", "Jamais", started=timezone.localdate() - datetime.timedelta(days=40))
    scan_all()
    assert kinds(fu) == {CADENCE, NO_CONTACT}
    assert "depuis le début de l'accompagnement" in fu.alerts.get(kind=NO_CONTACT).detail


def test_two_no_shows_in_a_row_raise_an_alert_a_seen_appointment_resolves_it(world, cip):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Ian", "Absent")
        meet(someone, fu, cip, at(0, 9), "no_show")
        scan_all()
        assert AlertKind.TWO_NO_SHOWS not in kinds(fu)
    with travel(at(3, 12)):
        meet(someone, fu, cip, at(3, 9), "no_show")
        scan_all()
        assert AlertKind.TWO_NO_SHOWS in kinds(fu)
        assert fu.alerts.get(kind=AlertKind.TWO_NO_SHOWS).detail.startswith("2 absences sans excuse de suite")
    with travel(at(5, 12)):
        meet(someone, fu, cip, at(5, 9), "seen")
        scan_all()
        assert AlertKind.TWO_NO_SHOWS in kinds(fu, "resolved")
        assert AlertKind.TWO_NO_SHOWS not in kinds(fu)


def test_absences_not_in_a_row_raise_nothing(world, cip):
    with travel(at(10, 12)):
        for first, between in (("Ana", "seen"), ("Bea", "excused")):
            someone, fu = follow(world, cip, first, "Parfois")
            meet(someone, fu, cip, at(1, 9), "no_show")
            meet(someone, fu, cip, at(2, 9), between)
            meet(someone, fu, cip, at(3, 9), "no_show")
            meet(someone, fu, cip, at(12, 9))  # a coming appointment changes nothing
        scan_all()
        assert not Alert.objects.filter(kind=AlertKind.TWO_NO_SHOWS).exists()


def test_contract_ending_within_the_rule_then_renewed(world, cip):
    someone, fu = follow(world, cip, "Leo", "Contrat")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(minutes=5), "seen")
    today = timezone.localdate()
    ending = today + datetime.timedelta(days=20)
    contract = {"by": cip, "kind": "engagement", "weekly_hours": Decimal(15), "hours_exemption": "none"}
    create_contract(fu, start_date=today - datetime.timedelta(days=150), end_date=ending, **contract)
    far = follow(world, cip, "Lou", "Loin")[1]
    create_contract(far, start_date=today, end_date=today + datetime.timedelta(days=31), **contract)
    scan_all()
    assert kinds(fu) == {AlertKind.CONTRACT_ENDING}
    assert AlertKind.CONTRACT_ENDING not in kinds(far)
    assert fu.alerts.get().detail.startswith(f"Le contrat se termine le {ending:%d/%m/%Y}")
    create_contract(
        fu, start_date=ending + datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=200), **contract
    )
    scan_all()
    assert kinds(fu) == set() and kinds(fu, "resolved") == {AlertKind.CONTRACT_ENDING}


def test_rsa_suspended_follows_the_right_status_of_the_household(world, cip):
    someone, fu = follow(world, cip, "Rui", "Droit")
    meet(someone, fu, cip, timezone.now() - datetime.timedelta(minutes=5), "seen")
    someone.household = Household.objects.create(department=world.dept_a, rsa_status=RsaStatus.OPEN_PAYMENT_SUSPENDED)
    someone.save(update_fields=["household"])
    scan_all()
    assert kinds(fu) == {AlertKind.RSA_SUSPENDED}
    assert fu.alerts.get().detail == "État du droit transmis par la CAF/MSA : droit ouvert, versement suspendu."
    Household.objects.filter(pk=someone.household_id).update(rsa_status=RsaStatus.OPEN_PAYABLE)
    scan_all()
    assert kinds(fu) == set() and kinds(fu, "resolved") == {AlertKind.RSA_SUSPENDED}


def test_the_scan_is_idempotent_and_raise_alert_returns_the_live_alert(world, cip):
    someone, fu = follow(world, cip, "Ida", "Deux", started=timezone.localdate() - datetime.timedelta(days=40))
    first = scan_all()
    count = Alert.objects.count()
    second = scan_all()
    assert first["raised"] >= 2 and second["raised"] == 0 and second["resolved"] == 0
    assert Alert.objects.count() == count
    alert = fu.alerts.get(kind=CADENCE)
    assert raise_alert(fu, CADENCE, detail="autre") == alert
    assert Alert.objects.count() == count


def test_a_handled_alert_is_not_raised_again_while_its_cause_lasts(world, cip):
    with travel(at(0, 12)):
        someone, fu = follow(world, cip, "Hugo", "Traite")
        meet(someone, fu, cip, at(0, 9), "seen")
    with travel(at(16, 12)):
        scan_all()
        alert = fu.alerts.get(kind=CADENCE)
        assert handle_alert(alert, by=cip) is True
        assert handle_alert(alert, by=cip) is False  # already handled
        assert someone.timeline.filter(kind="alert", actor=cip).count() == 1
        scan_all()
        assert kinds(fu) == set() and fu.alerts.count() == 1
        meet(someone, fu, cip, at(16, 9), "seen")
        scan_all()
        alert.refresh_from_db()
        assert alert.status == AlertStatus.DISMISSED and alert.resolved_at == timezone.now()
    with travel(at(32, 12)):  # late again: a new episode, a new alert
        scan_all()
        assert kinds(fu) == {CADENCE} and fu.alerts.filter(kind=CADENCE).count() == 2


def test_alerts_follow_the_referent_and_end_with_the_accompaniment(world, cip, cip_out):
    someone, fu = follow(world, cip, "Zoe", "Suivie", started=timezone.localdate() - datetime.timedelta(days=40))
    scan_all()
    assert set(Alert.objects.filter(follow_up=fu).values_list("assigned_to", flat=True)) == {cip.pk}
    assign_referent(fu, by=cip, referent=cip_out)
    scan_all()
    assert set(Alert.objects.filter(follow_up=fu).values_list("assigned_to", flat=True)) == {cip_out.pk}
    close_follow_up(fu, by=cip_out, exit_reason="moved")
    scan_all()
    assert kinds(fu) == set() and kinds(fu, "resolved") == {CADENCE, NO_CONTACT}


def test_the_scan_of_a_department_costs_the_same_sql_for_3_and_for_30_people(world, cip):
    def crowd(n, start):
        for i in range(start, start + n):
            someone, fu = follow(
                world, cip, f"P{i}", "Foule", started=timezone.localdate() - datetime.timedelta(days=40)
            )
            meet(someone, fu, cip, timezone.now() - datetime.timedelta(days=2, minutes=i), "no_show")
            meet(someone, fu, cip, timezone.now() - datetime.timedelta(days=1, minutes=i), "no_show")
            someone.household = Household.objects.create(department=world.dept_a, rsa_status=RsaStatus.OPEN_SUSPENDED)
            someone.save(update_fields=["household"])

    scan_department(world.dept_a.pk)  # the world's own alerts, out of the way
    crowd(3, 0)
    small_result, small = count_queries(lambda: scan_department(world.dept_a.pk))
    Alert.objects.all().delete()
    scan_department(world.dept_a.pk)
    crowd(27, 3)
    large_result, large = count_queries(lambda: scan_department(world.dept_a.pk))
    assert small_result["raised"] == 3 * 4 and large_result["raised"] == 27 * 4
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= 20, "\n".join(large)
    print(f"\nscan d'un département : {len(small)} requêtes pour 3 personnes, {len(large)} pour 30")

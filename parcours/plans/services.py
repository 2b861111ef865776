import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from parcours.core.concurrency import save_versioned
from parcours.core.rules import rule_value
from parcours.journal.models import Section
from parcours.journal.services import record
from parcours.plans.enums import NO_HOURS_EXEMPTIONS, ActionStatus, HoursExemption
from parcours.plans.models import Action, Contract, Goal


def check_weekly_hours(*, hours: Decimal, exemption: str, on: datetime.date, department_id) -> None:
    """CT L5411-6 II: the legal weekly hours, reducible but never to zero, or none on proven grounds."""
    legal = Decimal(str(rule_value("contract.weekly_hours", on=on, department_id=department_id)))
    if exemption in NO_HOURS_EXEMPTIONS:
        if hours:
            raise ValidationError(
                "Avec une dispense de durée hebdomadaire, le nombre d'heures doit être 0.", code="hours"
            )
        return
    if exemption == HoursExemption.REDUCED:
        if not 0 < hours < legal:
            raise ValidationError(
                f"Une durée réduite doit être comprise entre 0 (exclu) et {legal:g} heures par semaine.", code="hours"
            )
        return
    if hours < legal:
        raise ValidationError(
            f"La durée d'activité doit être d'au moins {legal:g} heures par semaine, sauf aménagement "
            "(durée réduite, ou dispense pour santé, handicap, invalidité ou parent isolé).",
            code="hours",
        )


@transaction.atomic
def create_contract(follow_up, *, by, kind, start_date, end_date, weekly_hours, hours_exemption, signed_on=None):
    check_weekly_hours(
        hours=weekly_hours, exemption=hours_exemption, on=start_date, department_id=follow_up.department_id
    )
    contract = Contract.objects.create(
        department_id=follow_up.department_id,
        follow_up=follow_up,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        weekly_hours=weekly_hours,
        hours_exemption=hours_exemption,
        signed_on=signed_on,
    )
    record(
        follow_up.beneficiary,
        actor=by,
        kind="contract",
        summary=f"Contrat créé : {contract}",
        section=Section.SOCIO_PRO,
    )
    return contract


@transaction.atomic
def update_contract(contract, *, by, expected_version: int, **fields):
    for name, value in fields.items():
        setattr(contract, name, value)
    check_weekly_hours(
        hours=contract.weekly_hours,
        exemption=contract.hours_exemption,
        on=contract.start_date,
        department_id=contract.department_id,
    )
    save_versioned(contract, expected_version=expected_version, fields=list(fields))
    record(
        contract.follow_up.beneficiary,
        actor=by,
        kind="contract",
        summary=f"Contrat modifié : {contract}",
        section=Section.SOCIO_PRO,
    )


@transaction.atomic
def add_goal(contract, *, by, title: str, barrier: str = "") -> Goal:
    goal = Goal.objects.create(contract=contract, title=title, barrier=barrier, position=contract.goals.count())
    record(
        contract.follow_up.beneficiary,
        actor=by,
        kind="goal",
        summary=f"Objectif ajouté : {title}",
        section=Section.SOCIO_PRO,
    )
    return goal


@transaction.atomic
def add_action(
    goal, *, by, title: str, owner: str, due_date=None, owner_detail: str = "", weekly_hours=None
) -> Action:
    follow_up = goal.contract.follow_up
    action = Action.objects.create(
        department_id=follow_up.department_id,
        follow_up=follow_up,
        goal=goal,
        title=title,
        owner=owner,
        owner_detail=owner_detail,
        due_date=due_date,
        weekly_hours=weekly_hours,
        created_by=by,
    )
    due = f" (échéance le {due_date:%d/%m/%Y})" if due_date else ""
    record(
        follow_up.beneficiary,
        actor=by,
        kind="action",
        summary=f"Action ajoutée : {title}{due}",
        section=Section.SOCIO_PRO,
    )
    return action


@transaction.atomic
def set_action_status(action, *, by, status: str) -> None:
    if status not in ActionStatus.values:
        raise ValidationError("Statut d'action inconnu.")
    if action.status == status:
        return
    before = action.get_status_display().lower()
    action.status = status
    action.save(update_fields=["status"])
    record(
        action.follow_up.beneficiary,
        actor=by,
        kind="action",
        summary=f"Action « {action.title} » : {before} → {action.get_status_display().lower()}",
        section=Section.SOCIO_PRO,
    )


def current_contract(follow_up):
    return (
        Contract.objects.filter(follow_up=follow_up)
        .prefetch_related("goals__actions")
        .order_by("-start_date", "-pk")
        .first()
    )

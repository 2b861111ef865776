"""Deny by default: every view carries an access rule, and a view without one answers 403.

Rules are function-level (who may reach the URL at all). Object-level scoping is done by the views
through the visible querysets of `parcours.orientation.perms`, so an object out of scope answers 404.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.functional import SimpleLazyObject

from parcours.accounts.enums import Profession
from parcours.orientation.perms import viewer_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    check: Callable

    def allows(self, request) -> bool:
        if self.name == "public":
            return True
        return request.user.is_authenticated and bool(self.check(request))


PUBLIC = Rule("public", "Tout le monde", lambda request: True)
AUTHENTICATED = Rule("authenticated", "Toute personne connectée", lambda request: True)
PROFESSIONAL = Rule(
    "professional", "Professionnel·le avec une appartenance active", lambda r: r.viewer.is_professional
)
ACCOMPANYING = Rule("accompanying", "Professionnel·le de l'accompagnement", lambda r: r.viewer.accompanies)
FILE_READERS = Rule(
    "file_readers",
    "Accompagnement, chef·fe d'agence ou chargé·e d'orientation",
    lambda r: r.viewer.accompanies or r.viewer.has(Profession.AGENCY_HEAD, Profession.ORIENTATION_OFFICER),
)
WORK_QUEUE = Rule(
    "work_queue",
    "Accompagnement ou chef·fe d'agence",
    lambda r: r.viewer.accompanies or r.viewer.has(Profession.AGENCY_HEAD),
)
AGENCY_HEAD = Rule("agency_head", "Chef·fe d'agence", lambda r: r.viewer.has(Profession.AGENCY_HEAD))
PLATFORM_ADMIN = Rule("platform_admin", "Administrateur·rice de la plateforme", lambda r: r.user.is_staff)


def allow(rule: Rule):
    """Mark a view with the rule that opens it."""

    def decorate(view):
        view.access_rule = rule
        if rule is PUBLIC:
            view = login_not_required(view)
        return view

    return decorate


def rule_for(resolver_match, view_func) -> Rule | None:
    if resolver_match is not None and "admin" in resolver_match.namespaces:
        return PLATFORM_ADMIN
    return getattr(view_func, "access_rule", None)


class AccessRuleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: viewer_for(request.user))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        rule = rule_for(request.resolver_match, view_func)
        if rule is None:
            logger.error("Vue sans règle d'accès refusée : %s", request.resolver_match.view_name)
            raise PermissionDenied
        if rule.allows(request):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        logger.warning("Accès refusé (%s) à %s pour l'utilisateur %s", rule.name, request.path, request.user.pk)
        raise PermissionDenied


# --- Orientation (issue 4 §4) ---
ORIENTATION_QUEUE = Rule(
    "orientation_queue",
    "Chargé·e d'orientation, ou chef·fe d'agence (lecture)",
    lambda r: r.viewer.has(Profession.ORIENTATION_OFFICER, Profession.AGENCY_HEAD),
)
ORIENTATION_DECIDE = Rule(
    "orientation_decide", "Chargé·e d'orientation", lambda r: r.viewer.has(Profession.ORIENTATION_OFFICER)
)
ORIENTATION_INDICATORS = Rule(
    "orientation_indicators",
    "Chargé·e d'orientation, pilotage ou chef·fe d'agence",
    lambda r: r.viewer.has(Profession.ORIENTATION_OFFICER, Profession.STEERING, Profession.AGENCY_HEAD),
)


# --- Review of probable duplicates (issue 4 §3) ---
def _reviews_duplicates(request) -> bool:
    from parcours.intake.review import can_review  # late: the review queries import the permission modules

    return can_review(request.viewer)


DUPLICATE_REVIEW = Rule(
    "duplicate_review",
    "Chargé·e d'orientation, administrateur·rice d'un service du département ou chef·fe d'agence",
    _reviews_duplicates,
)


# --- Workshops and hours of activity (issue 5 §4–5) ---
WORKSHOPS = Rule(
    "workshops",
    "Accompagnement, chef·fe d'agence, ou membre d'une organisation qui anime des ateliers",
    lambda r: (
        r.viewer.accompanies or r.viewer.has(Profession.AGENCY_HEAD, Profession.ADMINISTRATOR, Profession.PARTNER)
    ),
)


# Referrals (parcours.referrals): the partner's account answers the referrals received by its organisation.
REFERRAL_PARTNER = Rule(
    "referral_partner",
    "Partenaire (compte d'une organisation qui reçoit des orientations)",
    lambda r: r.viewer.has(Profession.PARTNER),
)


# --- Catalogue of services (issue 5 §1–2) ---
CATALOGUE_SEARCH = Rule(
    "catalogue_search",
    "Professionnel·le avec une appartenance active (recherche dans le catalogue)",
    lambda r: r.viewer.is_professional,
)
CATALOGUE_PARTNER = Rule(
    "catalogue_partner",
    "Partenaire (compte d'une organisation qui maintient des structures du catalogue)",
    lambda r: r.viewer.has(Profession.PARTNER),
)
CATALOGUE_MODERATOR = Rule(
    "catalogue_moderator",
    "Administrateur·rice d'une organisation, ou administration de la plateforme (modération du catalogue)",
    lambda r: r.user.is_staff or r.viewer.has(Profession.ADMINISTRATOR),
)


# --- Imports: CAF/MSA flux and spreadsheets (issue 4 §1–2) ---
def _imports(request) -> bool:
    from parcours.intake.uploads import can_import  # late: the intake modules import the permission modules

    return can_import(request.viewer)


IMPORTS = Rule("imports", "Chargé·e d'orientation, administrateur·rice ou gestionnaire d'une organisation", _imports)

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

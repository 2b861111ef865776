from django.conf import settings
from django.urls import reverse

from parcours.accounts.enums import Profession


def operator(request):
    viewer = getattr(request, "viewer", None)
    is_authenticated = getattr(request, "user", None) is not None and request.user.is_authenticated
    return {
        "operator_name": settings.OPERATOR_NAME,
        "operator_logo": settings.OPERATOR_LOGO,
        "nav": {
            "caseload": is_authenticated and viewer.accompanies,
            "agenda": is_authenticated and viewer.accompanies,
            "planning": is_authenticated and viewer.accompanies,
            "team": is_authenticated and viewer.has(Profession.AGENCY_HEAD),
            "search": is_authenticated
            and (viewer.accompanies or viewer.has(Profession.AGENCY_HEAD, Profession.ORIENTATION_OFFICER)),
            "admin": is_authenticated and request.user.is_staff,
        }
        if is_authenticated
        else {},
        "nav_extra": _area_entries(request) if is_authenticated else [],
    }


def _area_entries(request) -> list[dict]:
    from parcours.web.urls import AREAS  # late: the URL modules import views, which use this module's settings

    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    entries = sorted((entry for area in AREAS for entry in getattr(area, "NAV", ())), key=lambda e: e.order)
    return [
        {"label": e.label, "url": reverse(e.url_name), "current": current == e.url_name}
        for e in entries
        if e.visible(request)
    ]

from django.conf import settings

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
    }

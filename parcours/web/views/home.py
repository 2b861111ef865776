from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parcours.accounts.enums import Profession
from parcours.web.access import AUTHENTICATED, PUBLIC, allow


@allow(AUTHENTICATED)
@require_GET
@transaction.non_atomic_requests
def home(request):
    viewer = request.viewer
    if viewer.accompanies:
        return redirect("web:caseload")
    if viewer.has(Profession.AGENCY_HEAD):
        return redirect("web:team")
    if viewer.has(Profession.ORIENTATION_OFFICER):
        orientation_alert(request)
        return redirect("web:orientation-queue")
    if viewer.has(Profession.PARTNER):
        return redirect("web:referrals-received")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "web/home.html", {"memberships": viewer.memberships})


@allow(PUBLIC)
@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        database = {"status": "error", "error": exc.__class__.__name__}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


def orientation_alert(request) -> None:
    """Orientation officers land with the number of people waiting past the legal delay (issue 4 §4)."""
    from django.contrib import messages

    from parcours.orientation.queue import overdue_count

    late = overdue_count(request.viewer)
    if late:
        people = "personne attend" if late == 1 else "personnes attendent"
        messages.warning(
            request,
            f"File d'orientation : {late} {people} une décision au-delà du délai légal d'orientation.",
        )

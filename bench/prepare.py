"""Bench-only additions to a freshly seeded database (run in a subprocess with DATABASE_URL set).

`python -m bench.prepare` gives the caseload of a bench counselor 300 open follow-ups, so W2 can check that
the SQL count does not grow with the rows: it creates `file-active-300@bench.parcours.test`, a CIP of the
persona's agency, and makes it the referent of 300 open follow-ups taken, in (referent, id) order, from the
other counselors of the département (their caseloads shrink accordingly; the persona's ~90 stay untouched).
The referent rows of the care team move with them. It then refreshes the planner statistics (VACUUM ANALYZE
on PostgreSQL, ANALYZE on SQLite), as autovacuum or `PRAGMA optimize` would in a maintained database: the
seeded tables are loaded in bulk, and without statistics PostgreSQL picks nested loops that cost 10-40x more
(measured: 165 ms instead of 4 ms for the caseload's first query at 300 rows, tier S). Idempotent.

`python -m bench.prepare --check` exits 0 if the database is complete (département, persona, bench counselor
with its 300 follow-ups), 1 otherwise.
"""

import datetime
import os
import sys
import time
import warnings

PERSONA = "cip@demo.parcours.test"
BIG = "file-active-300@bench.parcours.test"
BIG_ROWS = 300
# Bumped when prepare() changes: a reused dataset whose marker holds an older version is prepared again.
PREPARE_VERSION = 2


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, var/static not collected
    import django

    django.setup()


def big_caseload_size(user) -> int:
    from parcours.orientation.models import FollowUp

    return FollowUp.objects.open().filter(referent=user).count()


def check() -> int:
    from parcours.accounts.models import User
    from parcours.organizations.models import Department

    if not Department.objects.exists():
        print("Aucun département : base vide ou incomplète.")
        return 1
    if not User.objects.filter(email=PERSONA).exists():
        print(f"Persona {PERSONA} absente.")
        return 1
    big = User.objects.filter(email=BIG).first()
    if big is None or big_caseload_size(big) != BIG_ROWS:
        print(f"Conseiller·ère de banc {BIG} absent·e ou sans ses {BIG_ROWS} accompagnements.")
        return 1
    print("Base de banc complète.")
    return 0


def prepare() -> int:
    from django.db import transaction
    from django.utils import timezone

    from parcours.accounts.enums import Profession
    from parcours.accounts.models import Membership, User
    from parcours.orientation.enums import TeamRole
    from parcours.orientation.models import CareTeamMember, FollowUp

    persona = User.objects.get(email=PERSONA)
    home = Membership.objects.active().filter(user=persona, profession=Profession.CIP).select_related("organization")
    organization = home.first().organization
    with transaction.atomic():
        big, _ = User.objects.get_or_create(
            email=BIG, defaults={"first_name": "Banc", "last_name": "Trois-Cents", "password": "!"}
        )
        Membership.objects.get_or_create(
            user=big,
            organization=organization,
            profession=Profession.CIP,
            defaults={"start_date": timezone.localdate() - datetime.timedelta(days=400)},
        )
        missing = BIG_ROWS - big_caseload_size(big)
        if missing > 0:
            taken = list(
                FollowUp.objects.open()
                .filter(department_id=organization.department_id, referent__isnull=False)
                .exclude(referent__in=[persona, big])
                .order_by("referent_id", "pk")
                .values_list("pk", flat=True)[:missing]
            )
            if len(taken) < missing:
                raise SystemExit(f"Pas assez d'accompagnements ouverts pour {BIG_ROWS} lignes.")
            CareTeamMember.objects.filter(follow_up_id__in=taken, role=TeamRole.REFERENT).update(user=big)
            FollowUp.objects.filter(pk__in=taken).update(referent=big)
    analyze()
    persona_rows = FollowUp.objects.open().filter(referent=persona).count()
    print(
        f"Conseiller·ère de banc {BIG} : {big_caseload_size(big)} accompagnements ouverts "
        f"(la persona {PERSONA} en a {persona_rows} comme référente)."
    )
    return 0


def analyze() -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"Statistiques du planificateur recalculées ({time.monotonic() - started:.1f} s).")


def main() -> int:
    setup()
    return check() if "--check" in sys.argv[1:] else prepare()


if __name__ == "__main__":
    raise SystemExit(main())

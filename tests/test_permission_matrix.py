"""Authorisation matrix (SECURITY §3.1 B, T-B1/T-B2): every URL × method × persona against an explicit table.

A URL name without an entry in EXPECTED fails (deny-by-default documentation): adding a route means writing down
who may reach it. Person URLs are built for Alice (and her appointment / action), whose care team is the one of
tests/world.py.

Cell values: an HTTP status; LOGIN (302 to the login page with ?next=); or to("url-name") (302 to that page).
"""

import datetime

import pytest
from django.db import transaction
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, StringConverter, UUIDConverter
from django.utils import timezone

from parcours.agenda.models import Appointment
from parcours.agenda.services import plan_appointment
from parcours.diagnostics.models import BarrierAssessment, Diagnostic
from parcours.journal.models import TimelineEvent
from parcours.orientation.models import CareTeamMember, FollowUp, Note
from parcours.orientation.services import add_team_member
from parcours.people.models import Beneficiary
from parcours.plans.models import Action, Contract, Goal
from parcours.plans.services import add_action, add_goal, create_contract
from parcours.rsvp.feeds import create_feed
from parcours.rsvp.tokens import token_for
from parcours.scheduling.models import Absence, Place, PlanningRun, WorkingHours
from parcours.web.access import PLATFORM_ADMIN, rule_for
from tests.matrix import AREAS
from tests.matrix.vocabulary import ADMIN_LOGIN, LOGIN, everyone, to
from tests.world import PERSONAS, make_nir

CASELOAD, TEAM, ADMIN, LOGGED_OUT = to("web:caseload"), to("web:team"), to("admin:index"), to("web:login")
FILE = to("web:person")  # back to Alice's file (plain POST without htmx)


def widen(row):
    """Rows written before the `partner` column (17 values) give the partner what `steering` gets."""
    if len(row) == len(PERSONAS) - 1:
        return (*row, row[PERSONAS.index("steering")])
    return row


# fmt: off
# Columns, in the order of tests.world.PERSONAS:
#  anon  inact  cip  sw  psy  dig  esth  cip_out  psy_out  multi  cip_b  head  orient  steer  admin  padm  ended
HOME =      (LOGIN, LOGIN, CASELOAD, CASELOAD, CASELOAD, CASELOAD, CASELOAD, CASELOAD, CASELOAD, CASELOAD, CASELOAD,
             TEAM, to("web:orientation-queue"), 200, 200, ADMIN, 200, to("web:referrals-received"))
ACC_PAGE =  (LOGIN, LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403)
SEARCH =    (LOGIN, LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403)
HEAD_PAGE = (LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403)
FILE_READ = (LOGIN, LOGIN, 200, 200, 200, 200, 200, 404, 404, 404, 404, 200, 200, 403, 403, 403, 403)
POST_ONLY = (LOGIN, LOGIN, 405, 405, 405, 405, 405, 405, 405, 405, 405, 403, 403, 403, 403, 403, 403)
TEAM_EDIT = (LOGIN, LOGIN, 400, 400, 400, 400, 400, 404, 404, 404, 404, 403, 403, 403, 403, 403, 403)
# Team membership and the end of the accompaniment: the referent and the CIP–AS binôme only.
TEAM_MANAGE = (LOGIN, LOGIN, 400, 400, 403, 403, 403, 404, 404, 404, 404, 403, 403, 403, 403, 403, 403)
TEAM_MOVE = (LOGIN, LOGIN, FILE, FILE, 403, 403, 403, 404, 404, 404, 404, 403, 403, 403, 403, 403, 403)
REFERENT =  (LOGIN, LOGIN, 400, 400, 400, 400, 400, 404, 404, 404, 404, 400, 403, 403, 403, 403, 403)
FILE_POST = (LOGIN, LOGIN, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 403, 403, 403, 403)
SOCIO_PRO = (LOGIN, LOGIN, 400, 400, 400, 400, 403, 404, 404, 404, 404, 403, 403, 403, 403, 403, 403)
NIR_EDIT =  (LOGIN, LOGIN, 400, 400, 403, 403, 403, 404, 404, 404, 404, 403, 403, 403, 403, 403, 403)
STAFF =     (ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403)
STAFF_MODEL = (LOGIN, LOGIN) + STAFF[2:]  # model pages do not name the admin login: Parcours' login
STAFF_LOGIN = (LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, ADMIN, 403)
PLANNING, AVAILABILITY = to("web:planning"), to("web:availability")
ACC_WRITE_TO_PLANNING = (LOGIN, LOGIN) + (PLANNING,) * 9 + (403,) * 6


def OWN_ONLY(value):  # noqa: N802 (a row builder, read like the constants around it)
    """The CIP's own object: `value` for the CIP, 404 for every other accompanying professional."""
    return (LOGIN, LOGIN, value) + (404,) * 8 + (403,) * 6


LOGOUT_GET = (LOGIN, LOGIN) + (405,) * (len(PERSONAS) - 2)
LOGOUT_POST = (LOGIN, LOGIN) + (LOGGED_OUT,) * (len(PERSONAS) - 2)
# fmt: on

EXPECTED: dict = {
    "web:home": {"GET": HOME},
    "web:healthz": {"GET": everyone(200)},
    "web:login": {"GET": everyone(200)},
    "web:logout": {"GET": LOGOUT_GET, "POST": LOGOUT_POST},
    "web:password-reset": {"GET": everyone(200)},
    "web:password-reset-done": {"GET": everyone(200)},
    "web:password_reset_confirm": {"GET": everyone(200)},  # a wrong token shows "ce lien n'est plus valable"
    "web:password-reset-complete": {"GET": everyone(200)},
    "web:caseload": {"GET": ACC_PAGE},
    "web:person-search": {"GET": SEARCH},
    "web:agenda": {"GET": ACC_PAGE},
    "web:team": {"GET": HEAD_PAGE},
    "web:person": {"GET": FILE_READ},
    "web:person-summary": {"GET": FILE_READ},
    # Writes: the POST data is invalid on purpose, so a persona let through gets 400 and nothing changes.
    # (Each cell runs in its own rolled-back savepoint: cells never depend on each other.)
    "web:person-identity": {"GET": POST_ONLY, "POST": TEAM_EDIT},
    "web:person-nir": {"GET": POST_ONLY, "POST": NIR_EDIT},
    "web:appointment-create": {"GET": POST_ONLY, "POST": TEAM_EDIT},
    "web:appointment-outcome": {"GET": POST_ONLY, "POST": TEAM_EDIT},
    "web:note-create": {"GET": POST_ONLY, "POST": TEAM_EDIT},
    "web:appointment-preferences": {"GET": POST_ONLY, "POST": TEAM_EDIT},
    "web:barrier-update": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:diagnostic-create": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:contract-save": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:goal-create": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:action-create": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:action-status": {"GET": POST_ONLY, "POST": SOCIO_PRO},
    "web:team-add": {"GET": POST_ONLY, "POST": TEAM_MANAGE},
    "web:team-remove": {"GET": POST_ONLY, "POST": TEAM_MOVE},  # removes `ended`, who left X yesterday
    "web:referent-assign": {"GET": FILE_POST, "POST": REFERENT},  # the agency head of T1 may reassign
    "web:follow-up-close": {"GET": POST_ONLY, "POST": TEAM_MANAGE},
    # The person's link and the counselor's feed: the secret in the URL is the credential (a valid one here);
    # an empty POST on the link is refused (400) whoever sends it.
    "web:rsvp": {"GET": everyone(200), "POST": everyone(400)},
    "web:calendar-feed": {"GET": everyone(200)},
    "web:calendar-feed-manage": {"GET": ACC_PAGE, "POST": (LOGIN, LOGIN) + (400,) * 9 + (403,) * 6},
    # The SMS provider's delivery reports: public, authenticated by a signature (none here: 403 for everyone).
    "web:sms-delivery-status": {"GET": everyone(405), "POST": everyone(403)},
    # Planning and availability: one's own only (the proposal is the CIP's: 404 for every other accompanying).
    "web:planning": {"GET": ACC_PAGE},
    "web:planning-propose": {"GET": POST_ONLY, "POST": ACC_WRITE_TO_PLANNING},
    "web:planning-confirm": {"GET": POST_ONLY, "POST": OWN_ONLY(PLANNING)},
    "web:availability": {"GET": ACC_PAGE, "POST": (LOGIN, LOGIN) + (400,) * 9 + (403,) * 6},
    "web:working-hours-delete": {"GET": POST_ONLY, "POST": OWN_ONLY(AVAILABILITY)},
    "web:absence-delete": {"GET": POST_ONLY, "POST": OWN_ONLY(AVAILABILITY)},
    # Work queue: the counselors see the alerts of their own people, the agency head those of the agency. The
    # alert, the procedure at the letter step and the case are Alice's (referent: cip; head of X: agency_head).
    "web:work-queue": {"GET": (LOGIN, LOGIN) + (200,) * 10 + (403,) * 5},
    "web:alert-handle": {
        "GET": (LOGIN, LOGIN) + (405,) * 10 + (403,) * 5,
        "POST": (LOGIN, LOGIN, to("web:work-queue")) + (404,) * 8 + (to("web:work-queue"),) + (403,) * 5,
    },
    "web:no-show-letter": {"GET": (LOGIN, LOGIN, 200) + (404,) * 8 + (200,) + (403,) * 5},
    "web:review-case": {"GET": HEAD_PAGE},
    "web:review-case-decide": {
        "GET": (LOGIN, LOGIN) + (403,) * 9 + (405,) + (403,) * 5,
        "POST": (LOGIN, LOGIN) + (403,) * 9 + (400,) + (403,) * 5,
    },
    # The whole admin namespace is one group (staff only, whatever the view), probed on these URLs:
    "admin": {
        "admin:index": {"GET": STAFF},
        "admin:accounts_user_changelist": {"GET": STAFF_MODEL},
        "admin:organizations_organization_changelist": {"GET": STAFF_MODEL},
        "admin:login": {"GET": STAFF_LOGIN},  # the admin login form is never shown: Parcours' login is the door
    },
}
# Each area of the web door writes its own rows and test objects in tests/matrix/<area>.py (EXPECTED and
# objects(world) -> {url parameter: value}).
for _area in AREAS:
    _overlap = set(_area.EXPECTED) & set(EXPECTED)
    assert not _overlap, f"{_area.__name__} redéfinit {_overlap}"
    EXPECTED.update(_area.EXPECTED)
EXPECTED: dict = {
    name: (
        {t: {m: widen(r) for m, r in rows.items()} for t, rows in cells.items()}
        if name == "admin"
        else {m: widen(r) for m, r in cells.items()}
    )
    for name, cells in EXPECTED.items()
}
ADMIN_PROBES = tuple(EXPECTED["admin"])


def expectation(target):
    return EXPECTED["admin"][target] if target.startswith("admin:") else EXPECTED[target]


INVALID_POST = {"web:diagnostic-create": {"rome_code": "??"}}  # every other form is invalid when empty


# --- Walking the URL configuration ---------------------------------------------------------------------


def walk(resolver=None, namespace="", converters=None):
    """(full name, callback, converters) of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    converters = converters or {}
    for entry in resolver.url_patterns:
        own = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, inner, own)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), entry.callback, own, namespace


def routes():
    """Non-admin routes as {name: (callback, converters)}; admin routes are one group."""
    result, unnamed = {}, []
    for name, callback, converters, namespace in walk():
        if namespace.startswith("admin:"):
            continue
        if name is None:
            unnamed.append(callback)
        else:
            result[name] = (callback, converters)
    return result, unnamed


TARGETS = [target for name in EXPECTED for target in (ADMIN_PROBES if name == "admin" else (name,))]


def person_urls():
    """Every URL under /personnes/<public_id>/."""
    return sorted(name for name, (_cb, converters) in routes()[0].items() if "public_id" in converters)


def matrix_cells():
    cells = []
    for target in TARGETS:
        for method in expectation(target):
            cells.extend((target, method, persona) for persona in PERSONAS)
    return cells


def concrete_url(name, converters, world):
    """The URL of `name` with real values: Alice's file, her appointment, her action."""
    kwargs = {}
    for param, converter in converters.items():
        if isinstance(converter, UUIDConverter) and param == "public_id":
            kwargs[param] = world.alice.public_id
        elif isinstance(converter, UUIDConverter) and param == "appointment_id":
            kwargs[param] = world.appointment_past.public_id
        elif isinstance(converter, IntConverter) and param == "action_id":
            kwargs[param] = world.action.pk
        elif isinstance(converter, IntConverter) and param == "member_id":
            kwargs[param] = CareTeamMember.objects.get(follow_up=world.follow_up, user=world["ended"]).pk
        elif type(converter) is StringConverter and param == "rsvp_token":
            kwargs[param] = token_for(world.appointment_future)
        elif type(converter) is StringConverter and param == "feed_token":
            kwargs[param] = create_feed(world["cip"])
        elif isinstance(converter, IntConverter) and param in ("run_id", "hours_id", "absence_id"):
            kwargs[param] = planning_objects(world)[param]
        elif isinstance(converter, IntConverter) and param in ("alert_id", "procedure_id", "case_id"):
            from tests.test_alerts_support import matrix_objects

            kwargs[param] = matrix_objects(world)[param]
        elif any(param in area.PARAMS for area in AREAS):
            area = next(area for area in AREAS if param in area.PARAMS)
            kwargs[param] = area.objects(world)[param]
        elif type(converter) is StringConverter and param in ("uidb64", "token"):
            kwargs[param] = {"uidb64": "MQ", "token": "pas-un-jeton"}[param]
        else:
            raise AssertionError(f"{name}: pas de valeur de test pour le paramètre « {param} » ({converter!r}).")
    return reverse(name, kwargs=kwargs)


def planning_objects(world):
    """The CIP's planning proposal, working-hours range and absence (created once per test)."""
    cip = world["cip"]
    place, _ = Place.objects.get_or_create(organization=world.org_x, name="Agence de test")
    now = timezone.now()
    run = PlanningRun.objects.filter(counselor=cip).first() or PlanningRun.objects.create(
        counselor=cip, created_by=cip, start=now.date(), end=now.date() + datetime.timedelta(days=14)
    )
    hours, _ = WorkingHours.objects.get_or_create(
        user=cip, weekday=0, start=datetime.time(9), end=datetime.time(12), place=place
    )
    absence = Absence.objects.filter(user=cip).first() or Absence.objects.create(
        user=cip, starts_at=now + datetime.timedelta(days=20), ends_at=now + datetime.timedelta(days=21)
    )
    return {"run_id": run.pk, "hours_id": hours.pk, "absence_id": absence.pk}


def outcome(response, world):
    """What the persona sees, in the vocabulary of EXPECTED."""
    if response.status_code == 302:
        location = response["Location"]
        path, _, query = location.partition("?")
        if path.partition("#")[0] == reverse("web:person", args=[world.alice.public_id]):
            return FILE
        if path == reverse("web:login") and query.startswith("next="):
            return LOGIN
        if path == reverse("admin:login") and query.startswith("next="):
            return ADMIN_LOGIN
        if path == reverse("admin:index"):
            return ADMIN
        try:
            match = resolve(path)
        except Resolver404:
            return f"302 {location}"
        return to(match.view_name) if not match.kwargs else f"302 {location}"
    return response.status_code


def side_effects():
    """Row counts a refused or invalid write must leave unchanged."""
    models = (Beneficiary, Appointment, Note, TimelineEvent, Diagnostic, BarrierAssessment, Contract, Goal, Action)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["open follow-ups"] = FollowUp.objects.open().count()
    counts["team"] = CareTeamMember.objects.filter(until__isnull=True).count()
    counts["versions"] = sorted(Beneficiary.objects.values_list("version", flat=True))
    return counts


# --- Tests ---------------------------------------------------------------------------------------------


def test_every_url_name_has_an_expectation():
    named, unnamed = routes()
    assert not unnamed, f"Routes sans nom (impossible à décrire dans EXPECTED) : {unnamed}"
    missing = sorted(set(named) - set(EXPECTED))
    assert not missing, f"URL sans ligne dans EXPECTED (qui peut y accéder ?) : {missing}"
    stale = sorted(set(EXPECTED) - set(named) - {"admin"})
    assert not stale, f"Lignes d'EXPECTED pour des URL disparues : {stale}"
    for target in TARGETS:
        for method, row in expectation(target).items():
            assert len(row) == len(PERSONAS), f"{target} {method} : {len(row)} colonnes pour {len(PERSONAS)} personas"


def test_every_view_carries_an_access_rule():
    named, _ = routes()
    without_rule = [name for name, (callback, _c) in named.items() if not hasattr(callback, "access_rule")]
    assert not without_rule, f"Vues sans règle d'accès (refusées par défaut, mais à déclarer) : {without_rule}"
    assert any(ns.startswith("admin:") for _n, _cb, _c, ns in walk()), "l'administration n'est plus montée ?"
    for probe in ADMIN_PROBES:  # admin views carry no attribute: the middleware gives the whole namespace one rule
        match = resolve(reverse(probe))
        assert rule_for(match, match.func) is PLATFORM_ADMIN, probe


def test_matrix_counts_every_cell():
    cells = matrix_cells()
    targets = {target for target, _m, _p in cells}
    assert targets == (set(routes()[0]) | set(ADMIN_PROBES))
    assert len(cells) == len(set(cells)) >= 600
    print(f"\nMatrice d'autorisations : {len(cells)} cellules")


@pytest.mark.parametrize("target", TARGETS)
def test_matrix(target, world, client_for):
    named, _ = routes()
    url = reverse(target) if target.startswith("admin:") else concrete_url(target, named[target][1], world)
    mismatches, checked = [], 0
    before = side_effects()  # every cell starts from this same world: each runs in a rolled-back savepoint
    for method, row in expectation(target).items():
        for persona, expected in zip(PERSONAS, row, strict=True):
            client = client_for(persona)
            with transaction.atomic():
                response = client.get(url) if method == "GET" else client.post(url, INVALID_POST.get(target, {}))
                got = outcome(response, world)
                refused = response.status_code >= 400 or got in (LOGIN, ADMIN_LOGIN)
                if refused and side_effects() != before:
                    mismatches.append(f"{method} {url} as {persona}: refused ({got}) but data changed")
                transaction.set_rollback(True)
            checked += 1
            if got != expected:
                mismatches.append(f"{method} {url} as {persona}: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)
    assert checked == len(PERSONAS) * len(expectation(target))


# --- Object level (T-B2): out of scope means 404, and nothing written -------------------------------------


def valid_posts(world):
    """Valid data for each write, so that a 404 can only come from the scope, not from the form."""
    today = timezone.localdate()
    return {
        "web:person-identity": {"first_name": "Alicia", "last_name": "Durand", "version": world.alice.version},
        "web:person-nir": {"nir": make_nir("1750275123456"), "version": world.alice.version},
        "web:appointment-create": {
            "date": (today + datetime.timedelta(days=3)).isoformat(),
            "time": "10:00",
            "duration_minutes": 45,
            "kind": "follow_up",
            "mode": "on_site",
        },
        "web:appointment-outcome": {"status": "seen", "report": "Venue", "version": world.appointment_past.version},
        "web:note-create": {"body": "Une note", "visibility": "team"},
        "web:appointment-preferences": {"channel": "postal", "day_part": "morning", "prefers": "any"},
        "web:barrier-update": {"barrier": "mobility", "level": "lifted"},
        "web:diagnostic-create": {"situation": "Nouvelle situation"},
        "web:contract-save": {
            "kind": "engagement",
            "start_date": world.contract.start_date.isoformat(),
            "end_date": world.contract.end_date.isoformat(),
            "weekly_hours": "20",
            "hours_exemption": "none",
            "version": world.contract.version,
        },
        "web:goal-create": {"title": "Un objectif"},
        "web:action-create": {"goal": world.goal.pk, "title": "Une action", "owner": "beneficiary"},
        "web:action-status": {"status": "done"},
        "web:team-add": {"membership": world["psychologist_out"].memberships.get().pk, "role": "contributor"},
        "web:team-remove": {},
        "web:referent-assign": {"referent": world["social_worker"].pk},
        "web:follow-up-close": {"exit_reason": "moved", "end_date": today.isoformat()},
    }


OUT_OF_SCOPE = ("cip_out", "psychologist_out", "multi", "cip_b")


@pytest.mark.parametrize("persona", OUT_OF_SCOPE)
def test_people_outside_the_team_get_404_on_every_url_of_alice(persona, world, client_for):
    named, _ = routes()
    client = client_for(persona)
    posts = valid_posts(world)
    before = side_effects()
    for name in person_urls():
        url = concrete_url(name, named[name][1], world)
        response = client.post(url, posts[name]) if name in posts else client.get(url)
        assert response.status_code == 404, f"{persona} {name}: {response.status_code}"
        assert b"Alice" not in response.content and b"DURAND" not in response.content
    assert side_effects() == before


def test_every_write_on_a_file_has_a_valid_payload_here(world):
    writes = {name for name in person_urls() if "POST" in EXPECTED[name] and name != "web:person"}
    assert writes == set(valid_posts(world)), "ajoutez des données valides pour la nouvelle URL dans valid_posts()"


def test_the_same_valid_posts_succeed_for_the_referent(world, client_for):
    """Counterpart of the 404 test: the payloads are valid, so the 404 above is the scope at work."""
    named, _ = routes()
    client = client_for("cip")
    for name, data in valid_posts(world).items():
        with transaction.atomic():
            before = TimelineEvent.objects.filter(beneficiary=world.alice).count()
            response = client.post(concrete_url(name, named[name][1], world), data)
            assert response.status_code == 302, f"{name}: {response.status_code}"
            assert TimelineEvent.objects.filter(beneficiary=world.alice).count() > before, name
            transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("persona", "other"),
    [
        ("cip", "bob"),
        ("cip", "carla"),
        ("cip", "dan"),
        ("cip_b", "bob"),
        ("agency_head", "carla"),
        ("agency_head", "dan"),
        ("orientation_officer", "carla"),
        ("psychologist", "bob"),
    ],
)
def test_cross_tenant_files_answer_404(persona, other, world, client_for):
    person = getattr(world, other)
    client = client_for(persona)
    for name in ("web:person", "web:person-summary"):
        assert client.get(reverse(name, args=[person.public_id])).status_code == 404
    before = side_effects()
    response = client.post(reverse("web:note-create", args=[person.public_id]), {"body": "x", "visibility": "team"})
    assert response.status_code in (403, 404)
    assert side_effects() == before


def test_child_objects_of_someone_else_are_not_reachable_through_alice(world, client_for):
    """Bob's appointment, action and team member, under Alice's URLs: 404 and unchanged (T-B2)."""
    cip_out, now = world["cip_out"], timezone.now()
    bob_follow_up = world.bob.follow_ups.get()
    appointment = plan_appointment(
        world.bob,
        follow_up=bob_follow_up,
        counselor=cip_out,
        by=cip_out,
        starts_at=now - datetime.timedelta(minutes=10),
        kind="follow_up",
        mode="on_site",
    )
    today = timezone.localdate()
    contract = create_contract(
        bob_follow_up,
        by=cip_out,
        kind="cer",
        start_date=today,
        end_date=today + datetime.timedelta(days=90),
        weekly_hours=15,
        hours_exemption="none",
    )
    action = add_action(add_goal(contract, by=cip_out, title="Permis"), by=cip_out, title="Code", owner="beneficiary")
    member = add_team_member(bob_follow_up, by=cip_out, user=world["psychologist"], profession="psychologist")
    alice = world.alice.public_id
    client = client_for("cip")
    before = side_effects()
    probes = [
        (reverse("web:appointment-outcome", args=[alice, appointment.public_id]), {"status": "seen", "version": 1}),
        (reverse("web:action-status", args=[alice, action.pk]), {"status": "done"}),
        (reverse("web:team-remove", args=[alice, member.pk]), {}),
    ]
    for probe, data in probes:
        assert client.post(probe, data).status_code == 404, probe
    assert side_effects() == before
    appointment.refresh_from_db()
    action.refresh_from_db()
    member.refresh_from_db()
    assert (appointment.status, action.status, member.until) == ("planned", "planned", None)

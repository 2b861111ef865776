"""W8, bulk notifications (BENCHMARKS.md §6.2): 10,000 invitations from one call, sent by real workers to the
fake SMS provider under its rate limit, while interactive tasks keep arriving.

    python -m bench.w8_notifications --backend sqlite --out var/w8-sqlite.json
    python -m bench.w8_notifications --backend postgresql --messages 10000 --rate 100

In one run, on a fresh database (var/bench-w8.sqlite3 or parcours_bench_w8, migrated here):

1. limit probe (enqueue): the same 10,000 message rows, already composed, written with one prepared INSERT;
2. `invite()` of 10,000 appointments (people with SMS consent), timed to the commit, after a 20-appointment
   warm-up rolled back, with the workers already polling: target ≤ 1 s;
3. dispatch: real worker processes (`Q_CLUSTER_NAME=bulk manage.py qcluster`, 2 workers, and the interactive
   `manage.py qcluster`) send to the fake provider (`manage.py fake_sms_provider`, its own process) limited to
   `--rate` per second; the steady rate (between the 5th and 95th percentile of arrivals) must be
   ≥ 0.95 × the limit;
4. during the burst, an interactive task is enqueued every 0.5 s; its queue wait (enqueue → start) p95 ≤ 5 s;
5. exactly once: every message received by the provider once, none lost;
6. limit probe (provider): the fake provider's own maximum rate, unlimited, drained by 8 raw HTTP threads.

Rows (`workload, tier, backend, metric, value, unit, limit, ratio, target, pass`) go to --out as JSON.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
TARGET_ENQUEUE_S = 1.0
TARGET_DISPATCH_RATIO = 0.95
TARGET_WAIT_P95_S = 5.0
PROBE_INTERVAL_S = 0.5


def probe(enqueued_at: float) -> float:
    """The interactive task: how long it waited in its queue (its result is kept by django-q2)."""
    return time.time() - enqueued_at


# Database ---------------------------------------------------------------------------------------------------


def database_url(backend: str) -> str:
    if backend == "sqlite":
        path = ROOT / "var" / "bench-w8.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from bench.datasets import PG_SERVER, ensure_postgres, pg_recreate

    ensure_postgres()
    pg_recreate("parcours_bench_w8")
    return f"{PG_SERVER}/parcours_bench_w8"


def setup_django(url: str) -> None:
    os.environ.update(DATABASE_URL=url, PARCOURS_ENV="test", DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(n: int):
    """n people with an SMS consent, each with one planned appointment in 5 days (bulk inserts)."""
    import datetime

    from django.utils import timezone

    from parcours.accounts.models import User
    from parcours.agenda.models import Appointment
    from parcours.notifications.models import ContactPreference
    from parcours.organizations.models import Department
    from parcours.people.models import Beneficiary

    department, _ = Department.objects.get_or_create(code="93", defaults={"name": "Seine-Saint-Denis"})
    counselor = User.objects.create_user("cip-w8@parcours.test", None, first_name="Camille", last_name="Martin")
    people = Beneficiary.objects.bulk_create(
        (
            Beneficiary(
                department=department,
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                phone=f"06{i:08d}",
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    ContactPreference.objects.bulk_create(
        (ContactPreference(beneficiary=p, channel="sms", sms_consent=True) for p in people), batch_size=2000
    )
    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=5)
    appointments = Appointment.objects.bulk_create(
        (
            Appointment(
                department=department,
                beneficiary=p,
                counselor=counselor,
                starts_at=start + datetime.timedelta(minutes=15 * (i % 40)),
                place="Agence de Bobigny",
            )
            for i, p in enumerate(people)
        ),
        batch_size=2000,
    )
    return counselor, appointments


# Measurements -----------------------------------------------------------------------------------------------


def measure_raw_insert(appointments, counselor) -> float:
    """Limit probe: the same rows as invite() writes, already composed, inserted with one prepared statement."""
    from django.db import connection, transaction

    from parcours.notifications.drafts import build_drafts, insert_drafts
    from parcours.notifications.models import Message

    drafts = build_drafts(appointments, kind="convocation")
    started = time.perf_counter()
    with transaction.atomic():
        insert_drafts(drafts, by=counselor)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Message._meta.db_table}")  # noqa: S608 (table name from the model)
    return elapsed


def measure_invite(appointments, counselor) -> tuple[float, int]:
    from django.db import transaction
    from django_q.models import OrmQ

    from parcours.notifications.services import invite

    started = time.perf_counter()
    with transaction.atomic():
        messages = invite(appointments, by=counselor)
    elapsed = time.perf_counter() - started
    assert len(messages) == len(appointments)
    return elapsed, OrmQ.objects.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local fake provider)
        return json.loads(response.read())


def start(args: list, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=open(log, "a"),  # noqa: SIM115 (closed with the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def wait_until(predicate, seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def steady_rate(times: list[float]) -> float:
    """Messages per second between the 5th and 95th percentile of arrivals (start-up and tail left out)."""
    times = sorted(times)
    lo, hi = int(len(times) * 0.05), int(len(times) * 0.95) - 1
    if hi <= lo or times[hi] == times[lo]:
        return 0.0
    return (hi - lo) / (times[hi] - times[lo])


def raw_drain(fake_url: str, count: int, threads: int = 8) -> float:
    """Limit probe: the fake provider's own maximum rate (no limit set), plain HTTP from `threads` threads."""
    http_json(f"{fake_url}/_fake/config", {"rate": 0, "delay": 0})
    body = json.dumps({"sender": "Parcours", "recipient": "33600000000", "content": "sonde", "tag": "probe"}).encode()
    per_thread = count // threads

    def drain():
        for _ in range(per_thread):
            request = urllib.request.Request(
                f"{fake_url}/v3/transactionalSMS/send",
                data=body,
                method="POST",
                headers={"api-key": "bench", "content-type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()

    workers = [threading.Thread(target=drain) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return per_thread * threads / (time.perf_counter() - started)


def dispatch(url: str, appointments, counselor, rate: float, log_dir: Path, timeout_s: float) -> dict:
    from django.db import transaction
    from django_q.models import OrmQ, Task

    from parcours.jobs.api import enqueue
    from parcours.jobs.queues import INTERACTIVE
    from parcours.notifications.models import Message
    from parcours.notifications.services import invite

    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PARCOURS_ENV": "test",
        "SMS_PROVIDER": "fake",
        "SMS_API_URL": fake_url,
        "SMS_API_KEY": "bench",
        "SMS_RATE_PER_SECOND": str(rate),
        "JOB_BULK_WORKERS": "2",
        "JOB_WORKERS": "1",
        "LOG_LEVEL": "ERROR",
    }
    processes = [start(["fake_sms_provider", "--port", str(port), "--rate", str(rate)], env, log_dir / "fake.log")]
    try:
        if not wait_until(lambda: _answers(fake_url), 30):
            raise RuntimeError("Le faux fournisseur SMS ne démarre pas (voir fake.log).")
        processes.append(start(["qcluster"], env, log_dir / "interactive.log"))
        processes.append(start(["qcluster"], {**env, "Q_CLUSTER_NAME": "bulk"}, log_dir / "bulk.log"))
        # Workers are ready when an interactive task has gone through.
        enqueue("bench.w8_notifications.probe", time.time(), queue=INTERACTIVE)
        if not wait_until(lambda: not OrmQ.objects.exists(), 60):
            raise RuntimeError("Les workers ne démarrent pas (voir interactive.log).")
        Task.objects.all().delete()

        # Warm-up (imports, statement caches): a small invite, removed before the burst.
        with transaction.atomic():
            invite(appointments[:20], by=counselor)
            transaction.set_rollback(True)
        enqueue_s, tasks = measure_invite(appointments, counselor)
        burst_started = time.time()
        total = len(appointments)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            enqueue("bench.w8_notifications.probe", time.time(), queue=INTERACTIVE)
            time.sleep(PROBE_INTERVAL_S)
            if not Message.objects.filter(status__in=["queued", "sending"]).exists():
                break
        burst_s = time.time() - burst_started
        wait_until(lambda: not OrmQ.objects.exists(), 30)
        state = http_json(f"{fake_url}/_fake/messages")
        waits = sorted(t.result for t in Task.objects.filter(func="bench.w8_notifications.probe") if t.success)
        probes_sent = int(burst_s / PROBE_INTERVAL_S)
        max_rate = raw_drain(fake_url, 4000)
    finally:
        for process in reversed(processes):
            stop(process)

    received = state["received"]
    counts = Counter(m["tag"] for m in received)
    refs = {str(r) for r in Message.objects.values_list("client_ref", flat=True)}
    statuses = Counter(Message.objects.values_list("status", flat=True))
    return {
        "enqueue_s": enqueue_s,
        "tasks": tasks,
        "total": total,
        "burst_s": burst_s,
        "steady_rate": steady_rate([m["at"] for m in received]),
        "overall_rate": len(received) / max(max(m["at"] for m in received) - burst_started, 1e-9) if received else 0,
        "rejected_429": state["rejected_429"],
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": len(refs - set(counts)),
        "statuses": dict(statuses),
        "waits": waits,
        "probes": probes_sent,
        "provider_max_rate": max_rate,
    }


def _answers(url: str) -> bool:
    try:
        http_json(f"{url}/_fake/messages")
    except OSError:
        return False
    return True


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def records(backend: str, n: int, rate: float, raw_s: float, d: dict) -> list[dict]:
    base = {"workload": "W8", "tier": f"{n // 1000}k", "backend": backend}
    p95 = percentile(d["waits"], 0.95)
    ratio = d["steady_rate"] / rate
    return [
        {
            **base,
            "metric": "enqueue_invitations",
            "value": round(d["enqueue_s"], 3),
            "unit": "s",
            "limit": round(raw_s, 3),
            "ratio": round(raw_s / d["enqueue_s"], 3),
            "target": f"≤ {TARGET_ENQUEUE_S:g} s",
            "pass": d["enqueue_s"] <= TARGET_ENQUEUE_S,
            "rows": n,
            "tasks": d["tasks"],
        },
        {
            **base,
            "metric": "dispatch_rate",
            "value": round(d["steady_rate"], 1),
            "unit": "SMS/s",
            "limit": rate,
            "ratio": round(ratio, 3),
            "target": f"ratio ≥ {TARGET_DISPATCH_RATIO:g}",
            "pass": ratio >= TARGET_DISPATCH_RATIO,
            "overall_rate": round(d["overall_rate"], 1),
            "burst_s": round(d["burst_s"], 1),
            "rejected_429": d["rejected_429"],
            "rows": n,
        },
        {
            **base,
            "metric": "interactive_wait_p95",
            "value": round(p95, 3) if p95 is not None else None,
            "unit": "s",
            "limit": None,
            "ratio": None,
            "target": f"≤ {TARGET_WAIT_P95_S:g} s",
            "pass": p95 is not None and p95 <= TARGET_WAIT_P95_S and len(d["waits"]) >= 0.9 * d["probes"],
            "p50_s": round(statistics.median(d["waits"]), 3) if d["waits"] else None,
            "max_s": round(max(d["waits"]), 3) if d["waits"] else None,
            "n": len(d["waits"]),
            "probes_enqueued": d["probes"],
        },
        {
            **base,
            "metric": "exactly_once",
            "value": d["duplicates"] + d["lost"],
            "unit": "messages en double ou perdus",
            "limit": None,
            "ratio": None,
            "target": "= 0",
            "pass": d["duplicates"] + d["lost"] == 0,
            "duplicates": d["duplicates"],
            "lost": d["lost"],
            "statuses": d["statuses"],
        },
        {
            **base,
            "metric": "provider_max_rate",
            "value": round(d["provider_max_rate"], 1),
            "unit": "req/s",
            "limit": None,
            "ratio": round(rate / d["provider_max_rate"], 3),
            "target": None,
            "pass": None,
        },
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w8_notifications", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="limite simulée du fournisseur, SMS/s")
    parser.add_argument("--timeout", type=float, default=600.0, help="durée maximale de l'envoi, en secondes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "w8.json")
    args = parser.parse_args(argv)
    setup_django(database_url(args.backend))
    counselor, appointments = seed(args.messages)
    raw_s = measure_raw_insert(appointments, counselor)
    log_dir = ROOT / "var" / f"w8-{args.backend}"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"W8 {args.backend} : {args.messages} invitations, fournisseur limité à {args.rate:g} SMS/s…", flush=True)
    data = dispatch(os.environ["DATABASE_URL"], appointments, counselor, args.rate, log_dir, args.timeout)
    rows = records(args.backend, args.messages, args.rate, raw_s, data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in rows:
        verdict = {True: "atteinte", False: "MANQUÉE", None: "—"}[row["pass"]]
        print(
            f"  {row['metric']:<22} {row['value']!s:>9} {row['unit']:<30} cible {row['target'] or '—':<14} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What tests need to run real worker processes against the test database, and the local SMTP server.

Used by tests/test_jobs.py, tests/test_notifications*.py and tests/browser/test_agenda_engine.py.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database as a DATABASE_URL, for a process started by the test."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_env(**extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), "PARCOURS_ENV": "test", **extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def start_cluster(env: dict, log: Path) -> subprocess.Popen:
    """`manage.py qcluster` (the queue named by Q_CLUSTER_NAME in `env`, else the interactive one)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "a"),  # noqa: SIM115 (closed with the process)
        start_new_session=True,
    )


def stop(cluster: subprocess.Popen, sig=signal.SIGTERM) -> None:
    """Stop a cluster and its workers (SIGKILL after 10 s)."""
    try:
        os.killpg(cluster.pid, sig)
        cluster.wait(10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(5)


def wait_for(predicate, seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """The SMTP server's mailbox (aiosmtpd handler)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

"""One seeded database per (tier, backend), built once and reused (parent process: no Django here).

Build = `manage.py migrate` + `manage.py demo --size <tier> --seed 1` + `python -m bench.prepare`, each in a
subprocess with DATABASE_URL set. A marker file var/bench-<tier>-<backend>.done records the build; it is reused
only if the marker exists and `python -m bench.prepare --check` finds the département and the bench user.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.prepare import PREPARE_VERSION

ROOT = Path(__file__).absolute().parent.parent
VAR = ROOT / "var"
SEED = 1
BACKENDS = ("sqlite", "postgresql")
TIERS = ("S", "M", "L")
# Tiers rebuilt automatically when the demo generator or the migrations changed (M and L only warn).
CHEAP_TIERS = ("S",)
# Server only (no database name): the bench databases are parcours_bench_<tier>.
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")


class BenchError(Exception):
    """An error that stops one (tier, backend) or the whole run, with a message in French."""


@dataclass
class Dataset:
    tier: str
    backend: str
    url: str
    build: dict  # what the marker holds: build_s, migrate_s, demo_s, prepare_s, built_at, reused


def sqlite_path(tier: str) -> Path:
    return VAR / f"bench-{tier}.sqlite3"


def pg_name(tier: str) -> str:
    return f"parcours_bench_{tier.lower()}"


def database_url(tier: str, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{sqlite_path(tier)}"
    return f"{PG_SERVER}/{pg_name(tier)}"


def marker_path(tier: str, backend: str) -> Path:
    return VAR / f"bench-{tier}-{backend}.done"


def child_env(url: str) -> dict:
    env = os.environ.copy()
    env.update(DATABASE_URL=url, PARCOURS_ENV="test", DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    env.pop("PARCOURS_DEBUG", None)
    return env


def run(args: list, url: str, *, label: str, echo: bool = True) -> float:
    """Run a child with the bench environment, echo its output indented, return its wall time in seconds."""
    started = time.monotonic()
    tail: deque = deque(maxlen=30)
    with subprocess.Popen(
        args,
        cwd=ROOT,
        env=child_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        for line in proc.stdout:
            line = line.rstrip("\n")
            tail.append(line)
            if echo:
                print(f"    │ {line}", flush=True)
    if proc.returncode != 0:
        detail = "\n".join(tail) if not echo else "(voir la sortie ci-dessus)"
        raise BenchError(f"{label} a échoué (code {proc.returncode}).\n{detail}")
    return time.monotonic() - started


# PostgreSQL ------------------------------------------------------------------------------------------------


def ensure_postgres() -> None:
    """PostgreSQL must answer on PG_SERVER; start it with the project's script if it does not."""
    parts = urlsplit(PG_SERVER)
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 5432)

    def answers() -> bool:
        if shutil.which("pg_isready") is None:
            return _pg_connects()
        return subprocess.run(["pg_isready", "-q", "-h", host, "-p", port], check=False).returncode == 0

    if answers():
        return
    script = ROOT / "scripts" / "ensure-postgres.sh"
    if script.exists():
        print(f"  PostgreSQL ne répond pas sur {host}:{port} : lancement de scripts/ensure-postgres.sh", flush=True)
        subprocess.run(["bash", str(script)], cwd=ROOT, check=False)
        if answers():
            return
    raise BenchError(
        f"PostgreSQL ne répond pas sur {host}:{port}. Démarrez-le (« bash scripts/ensure-postgres.sh ») "
        'ou lancez seulement SQLite : make bench BENCH_ARGS="--backends sqlite".'
    )


def _pg_connects() -> bool:
    try:
        _pg_admin().close()
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    return True


def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5)


def pg_exists(name: str) -> bool:
    with _pg_admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_recreate(name: str) -> None:
    from psycopg import sql

    with _pg_admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Build or reuse --------------------------------------------------------------------------------------------


def generator_digest() -> str:
    """Fingerprint of the demo generator and the migrations: a dataset built from other code is stale."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "parcours" / "demo").rglob("*.py")) + sorted((ROOT / "parcours").glob("*/migrations/*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _exists(tier: str, backend: str) -> bool:
    if backend == "sqlite":
        return sqlite_path(tier).exists()
    return pg_exists(pg_name(tier))


def _complete(url: str) -> bool:
    try:
        run([sys.executable, "-m", "bench.prepare", "--check"], url, label="Vérification", echo=False)
    except BenchError:
        return False
    return True


def _reset(tier: str, backend: str) -> None:
    marker_path(tier, backend).unlink(missing_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path(tier)}{suffix}").unlink(missing_ok=True)
    else:
        pg_recreate(pg_name(tier))


def ensure(tier: str, backend: str, *, rebuild: bool = False) -> Dataset:
    VAR.mkdir(exist_ok=True)
    url = database_url(tier, backend)
    where = sqlite_path(tier).relative_to(ROOT) if backend == "sqlite" else f"base PostgreSQL {pg_name(tier)}"
    marker = marker_path(tier, backend)
    digest = generator_digest()
    if not rebuild and marker.exists() and _exists(tier, backend) and _complete(url):
        build = json.loads(marker.read_text(encoding="utf-8"))
        if build.get("generator") != digest:
            if tier in CHEAP_TIERS:
                print(
                    f"  Générateur de démo ou migrations modifiés depuis la construction de {tier}/{backend} : "
                    "reconstruction",
                    flush=True,
                )
                return ensure(tier, backend, rebuild=True)
            print(
                f"  ATTENTION : générateur de démo ou migrations modifiés depuis la construction de {tier}/{backend} "
                f"(--rebuild pour reconstruire) : jeu de données conservé.",
                flush=True,
            )
            build["stale"] = True
        if build.get("prepare_version") != PREPARE_VERSION:
            print(f"  Jeu de données {tier}/{backend} : préparation du banc mise à jour", flush=True)
            build["prepare_s"] = round(run([sys.executable, "-m", "bench.prepare"], url, label="Préparation"), 1)
            build["prepare_version"] = PREPARE_VERSION
            marker.write_text(json.dumps(build, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        build["reused"] = True
        print(
            f"  Jeu de données {tier}/{backend} réutilisé ({where}, construit le {build.get('built_at', '?')} "
            f"en {build.get('build_s', 0):.0f} s)",
            flush=True,
        )
        return Dataset(tier, backend, url, build)
    print(
        f"  Construction du jeu de données {tier}/{backend} ({where}) : migrate + demo --size {tier} "
        f"--seed {SEED} + préparation du banc",
        flush=True,
    )
    _reset(tier, backend)
    python = sys.executable
    migrate_s = run([python, "manage.py", "migrate", "--noinput", "-v", "0"], url, label="migrate")
    print(f"    migrate : {migrate_s:.1f} s", flush=True)
    demo_s = run([python, "manage.py", "demo", "--size", tier, "--seed", str(SEED)], url, label="demo")
    print(f"    demo --size {tier} : {demo_s:.1f} s", flush=True)
    prepare_s = run([python, "-m", "bench.prepare"], url, label="Préparation du banc")
    build = {
        "tier": tier,
        "backend": backend,
        "seed": SEED,
        "database": str(where),
        "migrate_s": round(migrate_s, 1),
        "demo_s": round(demo_s, 1),
        "prepare_s": round(prepare_s, 1),
        "build_s": round(migrate_s + demo_s + prepare_s, 1),
        "prepare_version": PREPARE_VERSION,
        "generator": digest,
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    marker.write_text(json.dumps(build, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  Jeu de données {tier}/{backend} construit en {build['build_s']:.0f} s", flush=True)
    return Dataset(tier, backend, url, {**build, "reused": False})

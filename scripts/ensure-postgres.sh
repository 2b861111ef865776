#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 and lets the "postgres" role in without a password
# (trust on the loopback, as on the project's machines). Starts the Debian cluster if it is stopped; installs
# Debian's postgresql package if it is missing and we are root. Idempotent: does nothing when all is well.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

say() { printf 'ensure-postgres : %s\n' "$*"; }
die() {
    printf 'ensure-postgres : ERREUR : %s\n' "$*" >&2
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
answers() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$HOST" -p "$PORT"; }

# Debian clusters, newest version first: /etc/postgresql/<version>/main.
clusters() {
    local dir
    for dir in /etc/postgresql/*/main; do
        [ -d "$dir" ] && basename "$(dirname "$dir")"
    done | sort -rV
}

install_postgresql() {
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        die "PostgreSQL n'est pas installé. Installez-le (paquet Debian « postgresql ») ou lancez ce script en root."
    fi
    say "installation de PostgreSQL (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql
    # A fresh Debian cluster asks for a password over TCP: trust the loopback, as on the project's machines.
    local version hba
    version=$(clusters | head -n 1)
    [ -n "$version" ] || die "aucun cluster PostgreSQL créé par l'installation."
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -qE '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        say "authentification « trust » sur 127.0.0.1 pour le cluster $version/main (machine de développement)."
        sed -i -E 's/^(local|host)([[:space:]].*)(scram-sha-256|md5|peer)[[:space:]]*$/\1\2trust/' "$hba"
        # The package may have started the cluster already: make it read the new rules.
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
    fi
}

start_cluster() {
    local version
    version=$(clusters | head -n 1)
    [ -n "$version" ] || return 1
    say "démarrage du cluster PostgreSQL $version/main…"
    if is_root || [ "$(id -un)" = postgres ]; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    else
        die "le cluster $version/main est arrêté et je ne peux pas le démarrer (ni root, ni postgres, ni sudo)."
    fi
}

wait_until_ready() {
    local i
    for i in $(seq 1 30); do
        answers && return 0
        [ "$i" -eq 1 ] && say "attente du serveur sur $HOST:$PORT…"
        sleep 1
    done
    return 1
}

if ! answers; then
    if [ -z "$(clusters)" ]; then
        install_postgresql
    fi
    start_cluster || die "impossible de démarrer PostgreSQL."
    wait_until_ready || die "PostgreSQL ne répond pas sur $HOST:$PORT après 30 s (voir /var/log/postgresql/)."
fi

if ! psql -h "$HOST" -p "$PORT" -U postgres -d postgres -X -q -tA -c 'select 1' >/dev/null; then
    die "PostgreSQL répond sur $HOST:$PORT mais « psql -h $HOST -U postgres » est refusé : \
autorisez le rôle postgres sans mot de passe sur la boucle locale (pg_hba.conf : host all all 127.0.0.1/32 trust)."
fi
say "PostgreSQL répond sur $HOST:$PORT (rôle postgres)."

#!/usr/bin/env bash
# Make sure Debian's Chromium (/usr/bin/chromium, driven by Playwright in the "browser" tests) and a font are
# installed. Installs them with apt-get when we are root; otherwise only warns. Idempotent.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1 \
    && ! dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q 'install ok installed'; then
    missing+=(fonts-dejavu-core)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "ensure-chromium : Chromium présent ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))."
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium : installation de ${missing[*]} (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        exit 0
    fi
    echo "ensure-chromium : AVERTISSEMENT : l'installation de ${missing[*]} a échoué ;" \
        "les tests marqués « browser » ne pourront pas lancer Chromium." >&2
    exit 0
fi

echo "ensure-chromium : AVERTISSEMENT : ${missing[*]} manquant(s) et installation impossible (ni root, ni apt-get)." \
    "Installez le paquet Debian « chromium » (et « fonts-dejavu-core ») pour les tests marqués « browser »." >&2

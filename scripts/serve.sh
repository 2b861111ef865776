#!/usr/bin/env bash
# `make run`: the web server in the foreground, and one worker cluster per queue in the background
# (django-q2 on the same database: nothing else to install), and the local fake SMS provider that the demo sends
# its SMS to (SMS_PROVIDER=fake, port 8025). Ctrl-C stops them all.
set -euo pipefail
py="${PY:-.venv/bin/python}"
mkdir -p var
pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM
"$py" manage.py qcluster >var/worker-interactive.log 2>&1 &
pids+=("$!")
Q_CLUSTER_NAME=bulk "$py" manage.py qcluster >var/worker-bulk.log 2>&1 &
pids+=("$!")
"$py" manage.py fake_sms_provider --port 8025 --auto-deliver >var/fake-sms.log 2>&1 &
pids+=("$!")
echo "Tâches de fond : 2 files (interactive, bulk), journaux dans var/worker-*.log ;" \
    "SMS de démonstration reçus par le faux fournisseur (var/fake-sms.log, http://127.0.0.1:8025/_fake/messages)"
"$py" manage.py runserver "${ADDRESS:-127.0.0.1:8000}"

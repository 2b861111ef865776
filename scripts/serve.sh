#!/usr/bin/env bash
# `make run`: the web server in the foreground, and one worker cluster per queue in the background
# (django-q2 on the same database: nothing else to install). Ctrl-C stops all three.
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
echo "Tâches de fond : 2 files (interactive, bulk), journaux dans var/worker-*.log"
"$py" manage.py runserver "${ADDRESS:-127.0.0.1:8000}"

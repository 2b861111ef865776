# Parcours: build, run and test. `make run` serves the demo on http://127.0.0.1:8000, `make test` runs all checks.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
STAMP := $(VENV)/.stamp
REQUIREMENTS := requirements/base.txt requirements/dev.txt
# PostgreSQL leg of `make test` (pytest-django creates and drops test_parcours_gw0, test_parcours_gw1).
PG_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/parcours
# Extra arguments: make test PYTEST_ARGS="-k login", make bench BENCH_ARGS="--size M".
PYTEST_ARGS ?=
BENCH_ARGS ?=
PYTEST := $(PY) -m pytest -n 2 $(PYTEST_ARGS)
DEV := PARCOURS_ENV=dev

.PHONY: help venv run worker test test-sqlite test-postgres quality bench fix clean

help:
	@echo "make run      installe, migre, charge la démo si la base est vide, sert http://127.0.0.1:8000"
	@echo "make test     contrôles qualité puis tests sur SQLite et sur PostgreSQL"
	@echo "make worker   lance les tâches de fond (files interactive et bulk) sans le serveur web"
	@echo "make quality  ruff, manage.py check, migrations manquantes, gabarits"
	@echo "make bench    mesures de performance (BENCH_ARGS=...)"
	@echo "make fix      reformate et corrige ce que ruff sait corriger"
	@echo "make clean    supprime le venv et les caches (garde var/, la base de développement)"

venv: $(STAMP)
	@mkdir -p var

# Re-installs only when a requirements file is newer than the stamp.
$(STAMP): $(REQUIREMENTS)
	@if ! { [ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }; then \
	    py=""; \
	    if command -v python3.12 >/dev/null 2>&1; then py=python3.12; \
	    elif command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	        py=python3; fi; \
	    if [ -z "$$py" ]; then \
	        echo "Erreur : Python 3.12 ou plus récent est nécessaire (ni python3.12 ni un python3 >= 3.12 trouvé)." >&2; \
	        echo "Sur Debian/Ubuntu : apt-get install python3.12 python3.12-venv" >&2; \
	        exit 1; \
	    fi; \
	    echo "Création de $(VENV) avec $$($$py --version)"; \
	    rm -rf $(VENV); \
	    $$py -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes \
	    -r requirements/base.txt -r requirements/dev.txt
	@touch $(STAMP)

run: venv
	$(DEV) $(PY) manage.py migrate
	$(DEV) $(PY) manage.py demo --size S --seed 1 --if-empty
	@echo "Parcours sert sur http://127.0.0.1:8000 (Ctrl-C pour arrêter)"
	$(DEV) PY=$(PY) bash scripts/serve.sh

# The workers alone (when the web server runs elsewhere, e.g. gunicorn in production).
worker: venv
	$(PY) manage.py qcluster & Q_CLUSTER_NAME=bulk $(PY) manage.py qcluster & wait

# Both legs always run; the target fails if either failed (pytest's exit 5, no test collected, is a failure).
test: venv quality
	@status=0; results=""; \
	for leg in sqlite postgres; do \
	    if $(MAKE) --no-print-directory test-$$leg; then result="OK"; else status=1; result="ÉCHEC"; fi; \
	    results="$$results$$leg=$$result "; \
	done; \
	echo "== Résultat des tests : $$results"; \
	$(PY) scripts/test_summary.py var/junit-sqlite.xml var/junit-postgres.xml; \
	exit $$status

test-sqlite: venv
	@echo "== Tests pytest sur SQLite (fichier temporaire par processus, DATABASE_URL non défini) =="
	@rc=0; rm -f var/junit-sqlite.xml; env -u DATABASE_URL PARCOURS_ENV=test $(PYTEST) --junitxml=var/junit-sqlite.xml || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "Erreur : aucun test collecté (SQLite)." >&2; fi; \
	exit $$rc

test-postgres: venv
	@echo "== Tests pytest sur PostgreSQL ($(PG_DATABASE_URL)) =="
	@bash scripts/ensure-postgres.sh
	@rc=0; rm -f var/junit-postgres.xml; DATABASE_URL=$(PG_DATABASE_URL) PARCOURS_ENV=test $(PYTEST) --junitxml=var/junit-postgres.xml || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "Erreur : aucun test collecté (PostgreSQL)." >&2; fi; \
	exit $$rc

quality: venv
	$(RUFF) check .
	$(RUFF) format --check .
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	PARCOURS_ENV=test $(PY) scripts/check_templates.py
	@if command -v shellcheck >/dev/null 2>&1; then \
	    shellcheck scripts/*.sh .ci/run && echo "shellcheck : OK"; \
	else echo "shellcheck absent : scripts shell non vérifiés (apt-get install shellcheck)."; fi

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

fix: venv
	$(RUFF) check --fix . || true
	$(RUFF) format .
	$(RUFF) check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache var/static
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

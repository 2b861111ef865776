"""What import_flux and import_sheet share: run a batch and print its summary (French), exit codes."""

import json
import time

from django.core.management.base import CommandError
from django.db import connection

from parcours.intake import engine
from parcours.intake.records import Unreadable

SUMMARY = (
    ("created", "créées"),
    ("updated", "mises à jour"),
    ("unchanged", "inchangées"),
    ("rejected", "rejetées"),
    ("to_review", "à vérifier"),
)


def run_and_report(command, *, as_json: bool, **create) -> None:
    started = time.monotonic()
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(count):
            batch = engine.create_batch(**create)
            resumed = batch.chunks.exists()
            batch = engine.run(batch)
    except FileNotFoundError as exc:
        raise CommandError(f"Fichier introuvable : {exc.filename}") from None
    except Unreadable as exc:
        raise CommandError(f"Fichier illisible : {exc}") from None
    seconds = time.monotonic() - started
    counts = {name: getattr(batch, name) for name, _label in SUMMARY}
    if as_json:
        summary = {"batch": batch.pk, "rows": batch.rows_done, "seconds": seconds, "statements": statements[0]}
        command.stdout.write(json.dumps({**summary, **counts}))
        return
    if resumed:
        command.stdout.write("Import repris après la dernière tranche enregistrée.")
    command.stdout.write(f"{batch.filename} — {batch.department} : {batch.rows_done} lignes en {seconds:.1f} s")
    for name, label in SUMMARY:
        command.stdout.write(f"  {label:<14} {counts[name]}")
    if batch.rejected or batch.to_review:
        command.stdout.write("Détail des lignes rejetées ou à vérifier : page « Imports » de Parcours.")

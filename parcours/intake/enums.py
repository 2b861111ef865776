from django.db import models


class BatchKind(models.TextChoices):
    CAF_FLUX = "caf_flux", "Flux CAF/MSA (XML)"
    SHEET = "sheet", "Tableur (CSV, XLSX)"


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", "Aperçu (rien d'écrit)"
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class RowOutcome(models.TextChoices):
    CREATED = "created", "Créée"
    UPDATED = "updated", "Mise à jour"
    UNCHANGED = "unchanged", "Inchangée"
    REJECTED = "rejected", "Rejetée"
    TO_REVIEW = "to_review", "À vérifier (doublon probable)"


class Source(models.TextChoices):
    """Where a value of a person's file came from (provenance per field)."""

    CAF_FLUX = "caf_flux", "Flux CAF/MSA"
    SHEET = "sheet", "Import de tableur"
    MANUAL = "manual", "Saisie"
    MERGE = "merge", "Fusion de fiches"


class SuspectStatus(models.TextChoices):
    OPEN = "open", "À examiner"
    MERGED = "merged", "Fusionnées"
    DISTINCT = "distinct", "Personnes différentes"

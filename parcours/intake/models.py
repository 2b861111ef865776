"""Imports (CAF/MSA flux, spreadsheets), their resumable ledger, and the review queue of probable duplicates."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.core.crypto import EncryptedTextField
from parcours.intake.enums import BatchKind, BatchStatus, RowOutcome, SuspectStatus

COUNTERS = ("created", "updated", "unchanged", "rejected", "to_review")


class ImportBatch(models.Model):
    """One imported file. Rows are processed in chunks; each chunk commits with its ledger line (ImportChunk),
    so a run stopped anywhere resumes after the last committed chunk, without losing or repeating a row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("type", max_length=20, choices=BatchKind.choices)
    filename = models.CharField("fichier", max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("taille (octets)", default=0)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)  # under settings.IMPORTS_DIR
    status = models.CharField("statut", max_length=20, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Flux header (IdentificationFlux): TYPEFLUX, NATFLUX, DTREF.
    flux_type = models.CharField(max_length=2, blank=True)
    flux_nature = models.CharField(max_length=2, blank=True)
    reference_date = models.DateField("date de référence", null=True, blank=True)
    # Spreadsheet: {column header as read: field name or ""}.
    mapping = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField("lignes", null=True, blank=True)
    rows_done = models.PositiveIntegerField("lignes traitées", default=0)
    created = models.PositiveIntegerField("créées", default=0)
    updated = models.PositiveIntegerField("mises à jour", default=0)
    unchanged = models.PositiveIntegerField("inchangées", default=0)
    rejected = models.PositiveIntegerField("rejetées", default=0)
    to_review = models.PositiveIntegerField("à vérifier", default=0)
    error = models.TextField("erreur", blank=True)
    # Dry run before anything is written: {"counts": {outcome: n}, "examples": {outcome: [{row, place, text}]}}.
    preview = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "import"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["department", "-created_at"], name="import_batch_department")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == BatchStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportChunk(models.Model):
    """Ledger: chunk `index` of a batch is committed (rows first_row..last_row), with what it did."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_row = models.PositiveIntegerField()
    last_row = models.PositiveIntegerField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    to_review = models.PositiveIntegerField(default=0)
    committed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "tranche d'import"
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="import_chunk_unique")]

    def __str__(self):
        return f"Tranche {self.index} ({self.first_row}–{self.last_row})"


class ImportIssue(models.Model):
    """A row that was rejected or sent to review, with where it is in the file and why (in French)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField("ligne")  # 1-based line of a sheet (header = 1), or rank of the foyer
    place = models.CharField("emplacement", max_length=300)
    outcome = models.CharField(max_length=20, choices=RowOutcome.choices)
    reason = models.CharField("motif", max_length=500)
    # The row as read (JSON), to give it back with the reason; encrypted: it may hold a NIR or health details.
    data = EncryptedTextField(blank=True)

    class Meta:
        verbose_name = "ligne rejetée ou à vérifier"
        ordering = ["batch", "row", "pk"]
        indexes = [models.Index(fields=["batch", "outcome"], name="import_issue_batch")]

    def __str__(self):
        return f"{self.place} : {self.reason}"


class SheetMapping(models.Model):
    """A saved column mapping of an organisation: {normalised header: field name or "" to ignore}."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField("nom", max_length=100)
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "correspondance de colonnes"
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="sheet_mapping_unique")]

    def __str__(self):
        return self.name


class DuplicateSuspect(models.Model):
    """Two files that are probably the same person, waiting for a human decision (never merged automatically).

    `incoming` is the newer file (often created by an import), `existing` the older one. They may belong to two
    départements: such a pair is shown, never merged."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    existing = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="+")
    incoming = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField("score")
    reasons = models.JSONField("indices", default=list)  # French sentences: "même date de naissance", …
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("statut", max_length=20, choices=SuspectStatus.choices, default=SuspectStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "doublon probable"
        verbose_name_plural = "doublons probables"
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["existing", "incoming"], name="duplicate_suspect_pair"),
            models.CheckConstraint(condition=~Q(existing=models.F("incoming")), name="duplicate_suspect_two"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="duplicate_suspect_open")]

    def __str__(self):
        return f"Doublon probable {self.existing_id} / {self.incoming_id} ({self.score:.2f})"


class MergeRecord(models.Model):
    """A merge of `absorbed` into `survivor`, with all that is needed to undo it.

    snapshot: {"survivor": {field: value before}, "absorbed": {field: value before}} (identity fields, provenance);
    moved: {"app_label.Model": [pk, …]} rows re-pointed from the absorbed file to the survivor."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey("people.Beneficiary", on_delete=models.PROTECT, related_name="+")
    absorbed = models.ForeignKey("people.Beneficiary", on_delete=models.PROTECT, related_name="+")
    suspect = models.ForeignKey(DuplicateSuspect, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    snapshot = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "fusion de fiches"
        ordering = ["-merged_at"]

    def __str__(self):
        return f"Fusion de {self.absorbed_id} dans {self.survivor_id}"

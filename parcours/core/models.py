"""Dated configuration: legal numbers are data with an effective date, never constants in code."""

from django.db import models


class RuleValue(models.Model):
    """One value of a configurable rule, in force from `effective_from` (optionally for one département)."""

    key = models.CharField("clé", max_length=100, db_index=True)
    value = models.JSONField("valeur")
    effective_from = models.DateField("en vigueur depuis")
    department = models.ForeignKey(
        "organizations.Department", null=True, blank=True, on_delete=models.CASCADE, verbose_name="département"
    )
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "valeur de règle datée"
        verbose_name_plural = "valeurs de règles datées"
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from", "department"], name="rule_value_unique"),
        ]

    def __str__(self):
        return f"{self.key} = {self.value} (depuis le {self.effective_from:%d/%m/%Y})"


class VersionedModel(models.Model):
    """Optimistic locking: every editable section carries a version bumped on each save through `save_versioned`."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

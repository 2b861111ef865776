from django.db import models
from django.utils import timezone


class JobOnce(models.Model):
    """The effect of a job identified by `key` has been committed: a re-run (crash, retry) must skip it.

    Written in the same transaction as the effect, so the effect and this row exist together or not at all.
    """

    key = models.CharField(max_length=200, unique=True)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "effet de tâche déjà produit"
        verbose_name_plural = "effets de tâches déjà produits"

    def __str__(self):
        return self.key

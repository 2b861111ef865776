from django.contrib import admin

from parcours.core.models import RuleValue


@admin.register(RuleValue)
class RuleValueAdmin(admin.ModelAdmin):
    """Dated rules (cadence, weekly hours, delays): a change is a new row from a date, never an overwrite."""

    list_display = ["key", "value", "effective_from", "department", "source"]
    list_filter = ["key", "department"]
    ordering = ["key", "-effective_from"]

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from parcours.activity.models import ActivityEntry


@admin.register(ActivityEntry)
class ActivityEntryAdmin(admin.ModelAdmin):
    """Read-only: activities are entered on the person's hours page (with their timeline entry)."""

    list_display = ["beneficiary", "kind", "date", "planned_hours", "done_hours"]
    list_select_related = ["beneficiary"]
    list_filter = ["kind"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from parcours.workshops.models import Registration, Session, WorkshopSeries


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["starts_at", "ends_at", "capacity", "place", "place_label", "facilitator", "facilitator_name"]
    raw_id_fields = ["place", "facilitator"]


@admin.register(WorkshopSeries)
class WorkshopSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organization", "department"]
    list_select_related = ["organization", "department"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["organization", "department", "service", "created_by"]
    inlines = [SessionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations change through the pages (seats, waitlist, timeline)."""

    list_display = ["beneficiary", "session", "status", "waitlist_rank", "attended"]
    list_select_related = ["beneficiary", "session__series"]
    list_filter = ["status", "attended"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

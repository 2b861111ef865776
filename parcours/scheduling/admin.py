from django.contrib import admin

from parcours.scheduling.models import Absence, PersonConstraints, Place, Room, WorkingHours


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "address"]
    list_select_related = ["organization"]
    search_fields = ["name", "address"]
    inlines = [RoomInline]
    raw_id_fields = ["organization", "commune"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["user", "weekday", "start", "end", "place"]
    list_select_related = ["user", "place"]
    list_filter = ["weekday"]
    raw_id_fields = ["user", "place"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_at", "ends_at", "reason"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(PersonConstraints)
class PersonConstraintsAdmin(admin.ModelAdmin):
    list_display = ["beneficiary", "day_part", "prefers", "preferred_mode"]
    raw_id_fields = ["beneficiary"]

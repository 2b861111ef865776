from django.contrib import admin

from parcours.organizations.models import Commune, Department, Organization, Territory


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department"]
    list_filter = ["kind", "department"]
    autocomplete_fields = ["communes"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "territory", "target_caseload"]
    list_filter = ["kind", "department"]
    search_fields = ["name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "postal_codes", "department_code"]
    search_fields = ["name", "insee_code", "postal_codes"]

from django import forms
from django.contrib import admin

from parcours.catalogue.models import BarrierThemes, Service, Structure
from parcours.catalogue.vocabulary import grouped_theme_choices


class BarrierThemesForm(forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label="Thématiques proposées pour ce frein",
        choices=grouped_theme_choices,
        widget=forms.SelectMultiple(attrs={"size": 20}),
        help_text="Une catégorie entière couvre toutes ses thématiques.",
    )

    class Meta:
        model = BarrierThemes
        fields = ["barrier", "themes"]


@admin.register(BarrierThemes)
class BarrierThemesAdmin(admin.ModelAdmin):
    form = BarrierThemesForm
    list_display = ["barrier", "theme_count"]

    @admin.display(description="nombre de thématiques")
    def theme_count(self, obj):
        return len(obj.themes or [])


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "source", "organization", "checked_at"]
    list_filter = ["source"]
    search_fields = ["name", "siret", "source_id", "city"]
    raw_id_fields = ["commune", "organization"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "structure", "status", "checked_at", "source"]
    list_filter = ["status", "source"]
    search_fields = ["name", "source_id", "structure__name"]
    raw_id_fields = ["structure", "commune", "moderated_by", "checked_by"]
    readonly_fields = ["moderated_at", "reminded_at"]

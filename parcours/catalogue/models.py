"""Structures and services described in the data·inclusion v1 vocabulary (codes stored as lists of slugs).

`SearchPoint` and `RemoteArea` are derived tables that make the search indexable on both backends (no PostGIS):
one row per (published located service, thématique token) with its coordinates, and one row per (published
remote service, zone code). `parcours.catalogue.indexing` rebuilds them; never write them by hand.
"""

import uuid

from django.conf import settings
from django.db import models

from parcours.catalogue.vocabulary import FEE_CHOICES
from parcours.diagnostics.enums import Barrier

OUR_SOURCE = "parcours"


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PUBLISHED = "published", "Publié"
    SUSPENDED = "suspended", "Suspendu"


class Place(models.Model):
    """Address and coordinates shared by structures and services (data·inclusion field names in comments)."""

    commune = models.ForeignKey(
        "organizations.Commune",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="commune",
    )
    city = models.CharField("commune (libellé)", max_length=150, blank=True)  # commune
    postal_code = models.CharField("code postal", max_length=5, blank=True)  # code_postal
    insee_code = models.CharField("code INSEE", max_length=5, blank=True)  # code_insee
    address = models.CharField("adresse", max_length=300, blank=True)  # adresse
    address_complement = models.CharField("complément d'adresse", max_length=300, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)  # telephone
    opening_hours = models.CharField(
        "horaires d'accueil",
        max_length=500,
        blank=True,
        help_text="Format OpenStreetMap, par ex. « Mo-Fr 09:00-12:00 ».",
    )  # horaires_accueil
    source = models.CharField("source", max_length=100, default=OUR_SOURCE)
    source_id = models.CharField("identifiant à la source", max_length=200)  # id (« <source>--<id> »)
    source_url = models.URLField("lien source", max_length=500, blank=True)  # lien_source
    updated_on = models.DateField("date de mise à jour (source)", null=True, blank=True)  # date_maj
    sectors = models.JSONField("secteurs inclusifs", default=list, blank=True)  # vocabulary.Sector slugs
    checked_at = models.DateTimeField("informations vérifiées le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Structure(Place):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("nom", max_length=150)  # nom
    description = models.TextField("description", blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    email = models.EmailField("courriel", blank=True)  # courriel
    website = models.URLField("site web", max_length=500, blank=True)  # site_web
    accessibility_url = models.URLField("accessibilité (Acceslibre)", max_length=500, blank=True)
    networks = models.JSONField("réseaux porteurs", default=list, blank=True)  # reseaux_porteurs
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalogue_structures",
        verbose_name="organisation partenaire",
        help_text="L'organisation dont les comptes partenaires maintiennent cette structure.",
    )

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="catalogue_structure_source_unique")
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="catalogue_structure_geo")]

    def __str__(self):
        return self.name


class Service(Place):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="services", verbose_name="structure"
    )
    name = models.CharField("nom", max_length=150)
    description = models.TextField("description")
    themes = models.JSONField("thématiques", default=list, blank=True)  # thematiques
    service_types = models.JSONField("types de service", default=list, blank=True)  # type (one value in v1)
    fees = models.CharField("frais", max_length=20, blank=True, choices=FEE_CHOICES)  # frais
    fees_details = models.TextField("précisions sur les frais", blank=True)
    publics = models.JSONField("publics", default=list, blank=True)
    publics_details = models.TextField("précisions sur les publics", blank=True)
    access_conditions = models.TextField("conditions d'accès", blank=True)
    reception_modes = models.JSONField("modes d'accueil", default=list, blank=True)  # modes_accueil
    zone = models.JSONField("zone d'éligibilité", default=list, blank=True)  # zone_eligibilite
    contact_name = models.CharField("contact (nom et prénom)", max_length=150, blank=True)
    contact_email = models.EmailField("courriel de contact", blank=True)  # courriel
    mobilization_modes = models.JSONField("modes de mobilisation", default=list, blank=True)
    mobilizable_by = models.JSONField("mobilisable par", default=list, blank=True)
    mobilization_url = models.URLField("lien de mobilisation", max_length=500, blank=True)
    mobilization_details = models.TextField("précisions sur la mobilisation", blank=True)
    weekly_hours = models.FloatField("volume horaire hebdomadaire", null=True, blank=True)
    duration_weeks = models.PositiveIntegerField("nombre de semaines", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.PUBLISHED, db_index=True
    )
    moderation_reason = models.TextField("motif de modération", blank=True)
    moderated_at = models.DateTimeField("modéré le", null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField("dernier rappel de mise à jour", null=True, blank=True)
    # Denormalised for the search (written by indexing): " t:mobilite ty:atelier m:a-distance p:jeunes f:gratuit ".
    filter_tags = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)  # name + description, lower-case, no accents

    class Meta:
        verbose_name = "service"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="catalogue_service_source_unique")]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="catalogue_service_geo"),
            models.Index(fields=["status", "checked_at"], name="catalogue_service_freshness"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_remote(self) -> bool:
        return "a-distance" in (self.reception_modes or [])


class SearchPoint(models.Model):
    """One row per (published located service, token): its thématiques, their catégories and "*" (any)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=120)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["token", "latitude", "longitude", "service"], name="catalogue_point_geo")]

    def __str__(self):
        return f"{self.token} ({self.latitude}, {self.longitude})"


class RemoteArea(models.Model):
    """One row per (published remote service, zone code: commune INSEE, département, EPCI, « france », token)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20)
    token = models.CharField(max_length=120, default="*")

    class Meta:
        indexes = [models.Index(fields=["code", "token", "service"], name="catalogue_remote_zone")]

    def __str__(self):
        return f"{self.code} {self.token}"


class BarrierThemes(models.Model):
    """Frein → thématiques used for suggestions (defaults from DOMAIN §4.3; administrators edit them)."""

    barrier = models.CharField("frein", max_length=30, choices=Barrier.choices, unique=True)
    themes = models.JSONField("thématiques", default=list, blank=True)

    class Meta:
        verbose_name = "correspondance frein → thématiques"
        verbose_name_plural = "correspondances frein → thématiques"
        ordering = ["barrier"]

    def __str__(self):
        return self.get_barrier_display()

from django.db import models

from parcours.organizations.enums import OrganizationKind, TerritoryKind


class Commune(models.Model):
    """A French commune (reference data from the INSEE code list with coordinates)."""

    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=100)
    postal_codes = models.CharField("codes postaux", max_length=200)
    department_code = models.CharField("code du département", max_length=3, db_index=True)
    population = models.PositiveIntegerField("population", null=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"

    @property
    def main_postal_code(self) -> str:
        return self.postal_codes.replace(";", " ").replace(",", " ").split()[0] if self.postal_codes else ""


class Department(models.Model):
    """The tenant: a conseil départemental (or a CPAS network). Every row of a person's file carries its key."""

    code = models.CharField("code", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    country = models.CharField("pays", max_length=2, default="FR", choices=[("FR", "France"), ("BE", "Belgique")])

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Territory(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="territories")
    kind = models.CharField("type", max_length=30, choices=TerritoryKind.choices)
    name = models.CharField("nom", max_length=150)
    communes = models.ManyToManyField(Commune, blank=True, verbose_name="communes couvertes")

    class Meta:
        verbose_name = "territoire"
        ordering = ["department", "name"]

    def __str__(self):
        return self.name


class Organization(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="organizations")
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations"
    )
    kind = models.CharField("type", max_length=30, choices=OrganizationKind.choices)
    name = models.CharField("nom", max_length=200)
    code = models.SlugField(
        "code",
        max_length=40,
        blank=True,
        help_text="Code court, unique dans le département (imports en ligne de commande).",
    )
    siret = models.CharField("SIRET", max_length=14, blank=True)
    target_caseload = models.PositiveIntegerField(
        "file active cible par référent", default=90, help_text="Nombre de personnes suivies visé par conseiller·ère."
    )

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "code"], condition=~models.Q(code=""), name="organization_code_unique"
            ),
        ]

    def __str__(self):
        return self.name

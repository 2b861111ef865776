import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.core.crypto import EncryptedTextField, blind_index
from parcours.core.models import VersionedModel
from parcours.people.enums import EducationLevel, HouseholdRole, RsaStatus, Sex
from parcours.people.identity import name_key


class Household(models.Model):
    """Foyer: the unit of RSA rights, known to the CAF/MSA by its matricule."""

    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT)
    caf_number = models.CharField("matricule CAF/MSA", max_length=20, blank=True)
    rsa_status = models.CharField(
        "état du droit RSA", max_length=30, choices=RsaStatus.choices, default=RsaStatus.NONE
    )
    rsa_since = models.DateField("droit ouvert depuis", null=True, blank=True)
    caf_body = models.CharField("organisme payeur", max_length=3, blank=True, help_text="CAF ou MSA")
    rsa_request_number = models.CharField("numéro de demande RSA", max_length=20, blank=True)
    suspension_reason = models.CharField("motif de suspension du versement", max_length=2, blank=True)
    suspended_since = models.DateField("suspendu depuis", null=True, blank=True)
    closure_reason = models.CharField("motif de clôture", max_length=3, blank=True)
    closed_on = models.DateField("droit clos le", null=True, blank=True)
    # {field: {"source": "caf_flux" | "sheet" | "manual", "batch": ImportBatch pk or None, "at": ISO date-time}}
    provenance = models.JSONField("origine des valeurs", default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = "foyer"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "caf_number"], condition=~Q(caf_number=""), name="household_caf_unique"
            ),
        ]

    def __str__(self):
        return f"Foyer {self.caf_number or self.pk}"


class BeneficiaryQuerySet(models.QuerySet):
    def search(self, text: str):
        self = self.filter(merged_into__isnull=True)  # an absorbed file is reached through the one that survived
        for word in text.split():
            self = self.filter(
                Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(birth_name__icontains=word)
            )
        return self


class Beneficiary(VersionedModel):
    """La personne accompagnée."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    household_role = models.CharField(
        "rôle dans le foyer", max_length=20, choices=HouseholdRole.choices, default=HouseholdRole.APPLICANT
    )

    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom d'usage", max_length=150)
    birth_name = models.CharField("nom de naissance", max_length=150, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)

    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    address_line = models.CharField("adresse", max_length=250, blank=True)
    commune = models.ForeignKey(
        "organizations.Commune", null=True, blank=True, on_delete=models.PROTECT, verbose_name="commune"
    )

    nir = EncryptedTextField("NIR", blank=True)
    nir_index = models.CharField(max_length=64, blank=True, editable=False)
    caf_number = models.CharField("matricule CAF/MSA", max_length=20, blank=True)
    france_travail_id = models.CharField("identifiant France Travail", max_length=20, blank=True)
    internal_id = models.CharField("identifiant interne", max_length=30, blank=True)

    rights_and_duties = models.BooleanField("soumis·e aux droits et devoirs", default=True)
    education_level = models.CharField("niveau de formation", max_length=3, choices=EducationLevel.choices, blank=True)
    homeless = models.BooleanField("sans domicile stable", default=False)
    single_parent = models.BooleanField("parent isolé", default=False)
    caregiver = models.BooleanField("proche aidant·e", default=False)
    # Health section (special category data).
    rqth = models.BooleanField("RQTH (reconnaissance de travailleur handicapé)", default=False)
    health_notes = EncryptedTextField("éléments de santé utiles à l'accompagnement", blank=True)
    # Justice section (article 10 GDPR data).
    leaving_prison = models.BooleanField("sortie de détention", default=False)
    justice_notes = EncryptedTextField("éléments de justice utiles à l'accompagnement", blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Normalised names (upper-case ASCII letters and single spaces, see people.identity.name_key): matching and
    # search read these, never the display names.
    last_key = models.CharField(max_length=150, blank=True, editable=False)
    first_key = models.CharField(max_length=150, blank=True, editable=False)
    birth_key = models.CharField(max_length=150, blank=True, editable=False)
    # {field: {"source": "caf_flux" | "sheet" | "manual", "batch": ImportBatch pk or None, "at": ISO date-time}}
    provenance = models.JSONField("origine des valeurs", default=dict, blank=True, editable=False)
    # A file absorbed by a merge points to the one that survived (the merge can be undone, see intake.merge).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed", editable=False
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "nir_index"], condition=~Q(nir_index=""), name="beneficiary_nir_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "last_name"], name="beneficiary_dept_name"),
            models.Index(fields=["department", "caf_number"], name="beneficiary_caf"),
            models.Index(fields=["department", "france_travail_id"], name="beneficiary_ft"),
            models.Index(fields=["department", "internal_id"], name="beneficiary_internal"),
            models.Index(fields=["department", "last_key"], name="beneficiary_last_key"),
            # The same NIR in another département (never matched, shown for review: intake.upsert.known_elsewhere).
            models.Index(fields=["nir_index"], condition=~Q(nir_index=""), name="beneficiary_nir_any_department"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        born = ""
        if self.birth_name and self.birth_name != self.last_name:
            born = f" ({'né' if self.sex == Sex.MALE else 'née'} {self.birth_name.upper()})"
        return f"{self.first_name} {self.last_name.upper()}{born}"

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )

    def set_nir(self, nir: str) -> None:
        self.nir = nir
        self.nir_index = nir_index(nir)

    def refresh_name_keys(self) -> None:
        self.last_key, self.first_key, self.birth_key = (
            name_key(self.last_name),
            name_key(self.first_name),
            name_key(self.birth_name),
        )

    def save(self, *args, **kwargs):
        self.refresh_name_keys()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "last_key", "first_key", "birth_key"}
        super().save(*args, **kwargs)


def nir_index(nir: str) -> str:
    """Blind index of the 13 identifying characters: a NIR given with or without its key finds the same person."""
    compact = "".join(nir.split()).upper()
    return blind_index(compact[:13]) if compact else ""


class MatchKey(models.Model):
    """Blocking keys of duplicate detection: birth date and the first two letters of each name (people.identity)."""

    department = models.ForeignKey("organizations.Department", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="match_keys")
    block = models.CharField(max_length=12)

    class Meta:
        verbose_name = "clé de rapprochement"
        indexes = [models.Index(fields=["department", "block"], name="match_key_block")]
        constraints = [models.UniqueConstraint(fields=["beneficiary", "block"], name="match_key_unique")]

    def __str__(self):
        return self.block

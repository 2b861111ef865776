from django.db import models


class AppointmentKind(models.TextChoices):
    FOLLOW_UP = "follow_up", "Entretien de suivi"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    CONTRACT = "contract", "Signature ou révision du contrat"
    ORIENTATION = "orientation", "Entretien d'orientation"
    SOCIAL = "social", "Entretien social"
    PSYCHOLOGICAL = "psychological", "Entretien psychologique"
    DIGITAL = "digital", "Accompagnement numérique"
    WELLBEING = "wellbeing", "Soin socio-esthétique"


class Mode(models.TextChoices):
    ON_SITE = "on_site", "Sur place"
    PHONE = "phone", "Téléphone"
    HOME = "home", "À domicile"
    VIDEO = "video", "Visioconférence"


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", "Prévu"
    SEEN = "seen", "Honoré"
    EXCUSED = "excused", "Excusé"
    NO_SHOW = "no_show", "Absent·e sans excuse"
    CANCELLED = "cancelled", "Annulé"

"""Availability (places, rooms, working hours, absences, a person's constraints) and planning proposals."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from parcours.agenda.enums import Mode
from parcours.scheduling.enums import DayPart, Method, Preference, RunStatus, Weekday


class Place(models.Model):
    """A place where an organisation receives people (an agency, a permanence)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="places", verbose_name="organisation"
    )
    name = models.CharField("nom", max_length=150)
    address = models.CharField("adresse", max_length=250, blank=True)
    commune = models.ForeignKey(
        "organizations.Commune", null=True, blank=True, on_delete=models.PROTECT, verbose_name="commune"
    )

    class Meta:
        verbose_name = "lieu d'accueil"
        verbose_name_plural = "lieux d'accueil"
        ordering = ["organization", "name"]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name}, {self.address}" if self.address else self.name


class Room(models.Model):
    """A room of a place, shared by the counselors who receive there."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="rooms", verbose_name="lieu")
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "bureau"
        ordering = ["place", "name"]
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="room_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.place})"


class WorkingHours(models.Model):
    """One range of a counselor's week at a place (several ranges per day allowed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name="professionnel·le",
    )
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    start = models.TimeField("début")
    end = models.TimeField("fin")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="working_hours", verbose_name="lieu")

    class Meta:
        verbose_name = "plage de travail"
        verbose_name_plural = "horaires de travail"
        ordering = ["user", "weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="working_hours_end_after_start")]
        indexes = [models.Index(fields=["user", "weekday"], name="working_hours_user")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M} ({self.place})"


class Absence(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name="professionnel·le"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    reason = models.CharField("motif", max_length=150, blank=True)

    class Meta:
        verbose_name = "absence"
        ordering = ["user", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="absence_end_after_start")]
        indexes = [models.Index(fields=["user", "ends_at"], name="absence_user")]

    def __str__(self):
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"Absence du {start:%d/%m/%Y %H:%M} au {end:%d/%m/%Y %H:%M}"


class PersonConstraints(models.Model):
    """When a person can come (one row per person; no row = no constraint)."""

    beneficiary = models.OneToOneField(
        "people.Beneficiary", on_delete=models.CASCADE, related_name="planning_constraints", verbose_name="personne"
    )
    day_part = models.CharField("moment de la journée", max_length=20, choices=DayPart.choices, default=DayPart.ANY)
    prefers = models.CharField("préférence", max_length=20, choices=Preference.choices, default=Preference.ANY)
    weekdays_off = models.JSONField(
        "jours impossibles",
        default=list,
        blank=True,
        help_text="Jours de la semaine (0 = lundi) où la personne ne peut pas venir.",
    )
    unavailable_from = models.TimeField(
        "indisponible de", null=True, blank=True, help_text="Par exemple 11:30 (garde d'enfants)."
    )
    unavailable_until = models.TimeField("indisponible jusqu'à", null=True, blank=True)
    preferred_mode = models.CharField("modalité préférée", max_length=20, choices=Mode.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "contraintes de rendez-vous"
        verbose_name_plural = "contraintes de rendez-vous"
        constraints = [
            models.CheckConstraint(
                condition=Q(unavailable_from__isnull=True, unavailable_until__isnull=True)
                | Q(unavailable_until__gt=F("unavailable_from")),
                name="constraints_range_ordered",
            )
        ]

    def __str__(self):
        return f"Contraintes de {self.beneficiary}"


class PlanningRun(models.Model):
    """A proposal of appointments for one counselor's horizon, with the solver's figures."""

    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="planning_runs",
        verbose_name="professionnel·le",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demandée par",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    start = models.DateField("du")
    end = models.DateField("au")
    reason = models.CharField("motif", max_length=30, blank=True)
    status = models.CharField("statut", max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED)
    method = models.CharField("méthode", max_length=20, choices=Method.choices, default=Method.CPSAT)
    solver_status = models.CharField("résultat du solveur", max_length=20, blank=True)
    people_due = models.PositiveIntegerField("personnes à voir", default=0)
    cost = models.PositiveIntegerField("coût", default=0)
    greedy_cost = models.PositiveIntegerField("coût du glouton", null=True, blank=True)
    unplaced_count = models.PositiveIntegerField("personnes sans créneau", default=0)
    greedy_unplaced = models.PositiveIntegerField("sans créneau (glouton)", null=True, blank=True)
    seconds = models.FloatField("durée du calcul (s)", default=0)
    unplaced = models.JSONField("personnes sans créneau (détail)", default=list, blank=True)

    class Meta:
        verbose_name = "proposition de planning"
        verbose_name_plural = "propositions de planning"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["counselor", "status"], name="planning_run_counselor")]

    def __str__(self):
        return f"Planning du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} ({self.get_status_display().lower()})"

    def unplaced_people(self):
        from parcours.people.models import Beneficiary

        return Beneficiary.objects.filter(pk__in=[u["beneficiary_id"] for u in self.unplaced])


class PlanningItem(models.Model):
    """One proposed appointment; `appointment` is set once confirmed (never twice)."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="items", verbose_name="proposition")
    beneficiary = models.ForeignKey("people.Beneficiary", on_delete=models.CASCADE, related_name="+")
    follow_up = models.ForeignKey("orientation.FollowUp", null=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField("début")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    mode = models.CharField("modalité", max_length=20, choices=Mode.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    place_label = models.CharField("lieu", max_length=300, blank=True)
    due_on = models.DateField("dû le", null=True, blank=True)
    cost = models.PositiveIntegerField("coût", default=0)
    reason = models.CharField("pourquoi ce créneau", max_length=300, blank=True)
    selected = models.BooleanField("retenu", default=True)
    appointment = models.OneToOneField(
        "agenda.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="planning_item"
    )
    refusal = models.CharField("refus à la confirmation", max_length=300, blank=True)

    class Meta:
        verbose_name = "rendez-vous proposé"
        verbose_name_plural = "rendez-vous proposés"
        ordering = ["run", "starts_at"]

    def __str__(self):
        return f"{self.beneficiary_id} le {timezone.localtime(self.starts_at):%d/%m/%Y à %H:%M}"


class RoomBooking(models.Model):
    """A room taken by an on-site appointment (a room is never booked twice at the same start)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bookings", verbose_name="bureau")
    appointment = models.OneToOneField("agenda.Appointment", on_delete=models.CASCADE, related_name="room_booking")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")

    class Meta:
        verbose_name = "réservation de bureau"
        ordering = ["room", "starts_at"]
        constraints = [models.UniqueConstraint(fields=["room", "starts_at"], name="room_booking_unique_start")]
        indexes = [models.Index(fields=["starts_at"], name="room_booking_start")]

    def __str__(self):
        return f"{self.room} le {timezone.localtime(self.starts_at):%d/%m/%Y à %H:%M}"

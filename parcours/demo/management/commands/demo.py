import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from faker import Faker

from parcours.activity.demo import seed_activity
from parcours.alerts.tasks import scan_all
from parcours.catalogue.demo import seed_catalogue
from parcours.demo.partner import PARTNER, seed_partner
from parcours.demo.people import PeopleBuilder
from parcours.demo.structure import PERSONAS, StructureBuilder, persona_email
from parcours.demo.tiers import DEMO_PASSWORD, TIERS
from parcours.intake.demo import seed_imports
from parcours.notifications.demo import seed_contacts
from parcours.organizations.models import Department
from parcours.orientation.demo import seed_queue
from parcours.referrals.demo import seed_referrals
from parcours.scheduling.demo import seed_availability
from parcours.workshops.demo import seed_workshops


class Command(BaseCommand):
    help = (
        "Crée un département de démonstration réaliste (communes réelles, noms fictifs) et affiche les identifiants."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=sorted(TIERS), default="S", help="S ≈ 900 personnes, M ≈ 100 000, L ≈ 2,1 M"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Ne rien créer si un département existe déjà.")
        parser.add_argument("--batch", type=int, default=40, help="Conseiller·ères traité·es par transaction.")

    def handle(self, *args, size, seed, if_empty, batch, **options):
        if Department.objects.exists():
            if if_empty:
                self.stdout.write("La base contient déjà un département : données de démonstration conservées.")
                self.print_logins()
                return
            raise CommandError("La base contient déjà des données : utilisez une base vide (ou --if-empty).")
        tier = TIERS[size]
        rng = random.Random(seed)
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        started = time.monotonic()
        structure = StructureBuilder(tier, rng, fake).build()
        pairs = [(agency, c) for agency in structure.agencies for c in agency.counselors]
        builder = PeopleBuilder(structure, tier, rng, fake)
        people = 0
        for start in range(0, len(pairs), batch):
            people += builder.build(pairs[start : start + batch])
            if size != "S":
                self.stdout.write(f"  {people} personnes créées ({time.monotonic() - started:.0f} s)")
        availability = seed_availability(structure.department, seed=seed)
        contacts = seed_contacts(structure.department, seed=seed)
        self.stdout.write(
            f"  Disponibilités : {availability.get('working_hours', 0)} plages de travail, "
            f"{availability.get('rooms', 0)} bureaux ; préférences de contact : {contacts} personnes."
        )
        imports = seed_imports(structure.department, seed=seed)
        queue = seed_queue(structure.department, seed=seed)
        self.stdout.write(
            f"  Flux CAF/MSA : {imports['batches']} fichiers importés, {imports['created']} nouveaux entrants, "
            f"{imports['to_review']} à vérifier ; file d'orientation : +{queue} personnes en attente."
        )
        seed_partner(structure.department)
        services = seed_catalogue(structure.department, seed=seed)
        referrals = seed_referrals(structure.department, seed=seed)
        workshops = seed_workshops(structure.department, seed=seed)
        activity = seed_activity(structure.department, seed=seed)
        self.stdout.write(
            f"  Offre de services : {services} services, {referrals} orientations vers des services, "
            f"{workshops.get('sessions', 0)} séances d'ateliers, {activity} activités saisies."
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, so that the planner picks the indexes
        alerts = scan_all()  # the work queues are not empty until the first hourly run
        self.stdout.write(f"  File de travail : {alerts.get('raised', 0)} alertes ouvertes.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Département de démonstration {structure.department} créé (taille {size}, graine {seed}) : "
                f"{len(pairs)} conseiller·ères, {people} personnes, en {time.monotonic() - started:.0f} s."
            )
        )
        self.print_logins()

    def print_logins(self):
        self.stdout.write(f"\nIdentifiants de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for key, _profession, first, last, label in PERSONAS:
            self.stdout.write(f"  {persona_email(key):<38} {first} {last} — {label}")
        key, first, last, label = PARTNER
        self.stdout.write(f"  {persona_email(key):<38} {first} {last} — {label}")
        self.stdout.write(f"  {persona_email('admin'):<38} Alex Admin — administration de la plateforme (/admin/)")

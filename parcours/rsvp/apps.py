from django.apps import AppConfig


class RsvpConfig(AppConfig):
    name = "parcours.rsvp"
    label = "rsvp"
    verbose_name = "Réponses aux rendez-vous et agendas partagés"

    def ready(self):
        from parcours.rsvp.logs import install

        install()

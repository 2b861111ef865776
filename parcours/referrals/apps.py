from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "parcours.referrals"
    label = "referrals"
    verbose_name = "Orientations vers les services"

    def ready(self):
        from parcours.referrals.logs import install

        install()

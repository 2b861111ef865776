"""`manage.py fake_sms_provider --port 8025 --rate 20`: the local fake SMS provider (see fake_provider.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from parcours.notifications.fake_provider import FakeSmsServer
from parcours.notifications.sms import webhook_url as default_webhook_url


class Command(BaseCommand):
    help = "Lance le faux fournisseur SMS local (même API que Brevo), pour le développement et les tests."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--rate", type=float, default=None, help="messages par seconde (0 : illimité)")
        parser.add_argument("--delay", type=float, default=0.0, help="secondes avant chaque réponse")
        parser.add_argument("--auto-deliver", action="store_true", help="envoie un accusé « délivré » au webhook")
        parser.add_argument("--webhook-url", default=None, help="défaut : celui de PUBLIC_BASE_URL")

    def handle(self, *args, host, port, rate, delay, auto_deliver, webhook_url: str | None = None, **options):
        server = FakeSmsServer(
            host=host,
            port=port,
            rate=settings.SMS_RATE_PER_SECOND if rate is None else rate,
            delay=delay,
            auto_deliver=auto_deliver,
            webhook_url=webhook_url if webhook_url is not None else default_webhook_url(),
            webhook_secret=settings.SMS_WEBHOOK_SECRET,
        )
        self.stdout.write(
            f"Faux fournisseur SMS sur {server.url} (débit {server.config.rate:g}/s) — Ctrl+C pour arrêter.",
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()

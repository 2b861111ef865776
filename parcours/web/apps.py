from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "parcours.web"
    label = "web"
    verbose_name = "Pages web"

from django.apps import AppConfig


class CareerConfig(AppConfig):
    name = "gradepath.career"
    label = "career"
    verbose_name = "Career record"

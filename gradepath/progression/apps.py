from django.apps import AppConfig


class ProgressionConfig(AppConfig):
    name = "gradepath.progression"
    label = "progression"
    verbose_name = "Accelerated increments and contribution points"

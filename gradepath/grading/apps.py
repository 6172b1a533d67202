from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "gradepath.grading"
    label = "grading"
    verbose_name = "Grading cases"

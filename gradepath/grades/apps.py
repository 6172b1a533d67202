from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "gradepath.grades"
    label = "grades"
    verbose_name = "Grades and pay"

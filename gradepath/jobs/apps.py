from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "gradepath.jobs"
    label = "jobs"
    verbose_name = "Job descriptions"

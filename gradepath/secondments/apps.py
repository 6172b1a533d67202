from django.apps import AppConfig


class SecondmentsConfig(AppConfig):
    name = "gradepath.secondments"
    label = "secondments"
    verbose_name = "Secondments"

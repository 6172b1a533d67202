from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "gradepath.demo"
    label = "demo"
    verbose_name = "Demo university"

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gradepath.api"
    label = "api"
    verbose_name = "REST API"

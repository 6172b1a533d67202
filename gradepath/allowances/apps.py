from django.apps import AppConfig


class AllowancesConfig(AppConfig):
    name = "gradepath.allowances"
    label = "allowances"
    verbose_name = "Acting up and honoraria"

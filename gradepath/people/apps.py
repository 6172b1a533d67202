from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gradepath.people"
    label = "people"
    verbose_name = "People and organisation"

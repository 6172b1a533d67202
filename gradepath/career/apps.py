from django.apps import AppConfig


class CareerConfig(AppConfig):
    name = "gradepath.career"
    label = "career"
    verbose_name = "Career record"

    def ready(self) -> None:
        # The ways to the career record on pages people owns (core.registry): the person page, below the
        # appointments (for those who may open the record), and My home, below "My grade and pay".
        from gradepath.career import panels
        from gradepath.core.registry import Panel, register

        register("person_career", Panel("career", "career/_person_link.html", panels.person_link, 30))
        register("home_main", Panel("career", "career/_home_link.html", panels.home_link, 50))

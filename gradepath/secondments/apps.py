from django.apps import AppConfig


class SecondmentsConfig(AppConfig):
    name = "gradepath.secondments"
    label = "secondments"
    verbose_name = "Secondments"

    def ready(self) -> None:
        # What secondments show and offer on pages and to processes other apps own (core.registry): the menu,
        # My home, the career record, and its history as evidence for other processes (a starter).
        from gradepath.career.sources import CareerSource, register_career_source
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.secondments import panels, services
        from gradepath.secondments.workflow import SECONDMENTS
        from gradepath.workflow.registry import Starter, register_process, register_starter

        register_process(SECONDMENTS)  # the process the engine performs, the inbox and the reminders read
        register("menu", MenuEntry("secondments", "Secondments", "secondments:board", 46, "/secondments/",
                                         group="Progression"))
        register("home", Panel("secondments", "secondments/_home_panel.html", panels.home_panel, 55))
        register_career_source(CareerSource("secondments", "Secondments", 50, services.career_entries))
        # Secondment history as evidence on regrading and accelerated increment requests (policy §4.7 step 5):
        # get_starter("secondments.history").start(person=...) → [(reference, title, start, end, link), ...]
        register_starter(Starter("secondments.history", services.secondment_history))

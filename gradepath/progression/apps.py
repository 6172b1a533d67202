from django.apps import AppConfig


class ProgressionConfig(AppConfig):
    name = "gradepath.progression"
    label = "progression"
    verbose_name = "Accelerated increments and contribution points"

    def ready(self) -> None:
        # What this process shows on pages other apps own (core.registry): the menu, My home and the career
        # record; and the process the engine performs, the inbox, the reminders and the docs read.
        from gradepath.career.sources import CareerSource, register_career_source
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.progression import panels
        from gradepath.progression.workflow import PROGRESSION
        from gradepath.workflow.registry import register_process

        register_process(PROGRESSION)
        register("menu", MenuEntry("progression", "Accelerated increments", "progression:request-list", 44,
                                         "/progression/", group="Progression"))
        register("home", Panel("progression", "progression/_home_panel.html", panels.home_panel, 45))
        register_career_source(CareerSource("progression", "Accelerated increments and contribution points", 40,
                                            panels.career_entries))

from django.apps import AppConfig


class AllowancesConfig(AppConfig):
    name = "gradepath.allowances"
    label = "allowances"
    verbose_name = "Acting up and honoraria"

    def ready(self) -> None:
        # What acting up and honoraria show on pages other apps own (core.registry): the menu, My home and
        # the career record; and the process the engine performs, the inbox and the reminders read.
        from gradepath.allowances import panels
        from gradepath.allowances.workflow import ALLOWANCES
        from gradepath.career.sources import CareerSource, register_career_source
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.workflow.registry import register_process

        register_process(ALLOWANCES)
        register("menu", MenuEntry("allowances", "Acting up and honoraria", "allowances:list", 48, "/acting-up/",
                                         group="Progression"))
        register("home", Panel("allowances", "allowances/_home_panel.html", panels.home_panel, 60))
        register_career_source(CareerSource("allowances", "Acting up and honoraria", 60, panels.career_entries))

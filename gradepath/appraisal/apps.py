from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "gradepath.appraisal"
    label = "appraisal"
    verbose_name = "Appraisals"

    def ready(self) -> None:
        # What appraisal contributes to pages and processes it does not own (core.registry): the process the
        # engine performs (the inbox, reminders and docs read it), the menu, My home, the career record, and
        # the evidence other processes ask for without importing appraisal.
        from gradepath.appraisal import panels, services
        from gradepath.appraisal.workflow import APPRAISAL
        from gradepath.career.sources import CareerSource, register_career_source
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.workflow.registry import Starter, register_process, register_starter

        register_process(APPRAISAL)
        register("menu", MenuEntry("appraisal", "Appraisals", "appraisal:list", 42, "/appraisals/",
                                         group="Progression"))
        register("home", Panel("appraisal", "appraisal/_home_panel.html", panels.home_panel, 45))
        register_career_source(CareerSource("appraisal", "Appraisals", 30, panels.career_entries))
        # latest_completed(*, person, within_days=None, on=None) -> (completed_on, reference, link) | None
        register_starter(Starter("appraisal.latest_completed", services.latest_completed))

from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "gradepath.grading"
    label = "grading"
    verbose_name = "Grading cases"

    def ready(self) -> None:
        # What grading shows on pages other apps own (core.registry): the menu, My home, and a JD
        # draft's editor when the draft is a case's proposal.
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.grading import panels, services
        from gradepath.grading.workflow import GRADING
        from gradepath.workflow.registry import Starter, register_process, register_starter

        register_process(GRADING)  # the process the engine performs, the inbox and the reminders read
        # Another process (an appraisal's JD review) starts a regrading check without importing grading:
        # services.start_regrading_check(*, actor, subject, route, taken_on, relinquished, note="").
        register_starter(Starter("grading.regrading_check", services.start_regrading_check))

        register("menu", MenuEntry("grading", "Grading", "grading:case-list", 40, "/grading/"))
        register("home", Panel("grading", "grading/_home_panel.html", panels.home_panel, 40))
        register("jd_version", Panel("grading", "grading/_jd_version.html", panels.jd_version_panel, 40))
        register("jd_version_actions", Panel("grading", "grading/_jd_version_actions.html",
                                             panels.jd_version_panel, 40))
        register("jd_version_grade", Panel("grading", "grading/_jd_version_grade.html",
                                           panels.jd_version_panel, 40))
        # The career record's "Grading cases" heading (career.sources; policy §4.9).
        from gradepath.career.sources import register_career_source
        from gradepath.grading.career import GRADING_CASES
        register_career_source(GRADING_CASES)

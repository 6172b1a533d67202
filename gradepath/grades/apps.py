from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "gradepath.grades"
    label = "grades"
    verbose_name = "Grades and pay"

    def ready(self) -> None:
        from gradepath.core.registry import Panel, register
        from gradepath.grades import filters, panels
        from gradepath.people.filters import FILTERS_SLOT, DirectoryFilter

        # The person page: grade, spine point and salary among the summary's facts, the coming
        # changes below the summary, the pay history below the appointments (one context for the three).
        register("person_summary", Panel("grades", "grades/_person_summary.html", panels.person_pay, 40))
        register("person_page", Panel("grades", "grades/_person_coming.html", panels.person_pay, 40))
        register("person_career", Panel("grades", "grades/_person_pay_history.html", panels.person_pay, 40))
        # My home: "My grade and pay", below "My job".
        register("home_main", Panel("grades", "grades/_home_pay.html", panels.home_pay, 40))
        # The people directory: filter by the grade of the person's post.
        register(FILTERS_SLOT, DirectoryFilter("grade", filters.grade_filter(), 40))

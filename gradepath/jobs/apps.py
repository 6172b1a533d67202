from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "gradepath.jobs"
    label = "jobs"
    verbose_name = "Job descriptions"

    def ready(self) -> None:
        from gradepath.core.registry import MenuEntry, register

        register("menu", MenuEntry("jds", "Job descriptions", "jobs:jd-list", 20, "/jobs/"))
        register("menu", MenuEntry("library", "JD library", "jobs:library", 30, "/jobs/library/"))

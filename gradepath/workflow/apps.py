from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "gradepath.workflow"
    label = "workflow"
    verbose_name = "Workflow engine"

    def ready(self) -> None:
        # The inbox in the menu, with the number waiting, and its summary on My home (core.registry: the
        # layout and My home name no process).
        from gradepath.core.registry import MenuEntry, Panel, register
        from gradepath.workflow.inbox import count_waiting, home_panel

        register("menu", MenuEntry("inbox", "Inbox", "workflow:inbox", 15, "/inbox/",
                                   badge=lambda request: count_waiting(request.user)))
        register("home", Panel("inbox", "workflow/_home_panel.html", home_panel, 5))

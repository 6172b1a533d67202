from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "gradepath.workflow"
    label = "workflow"
    verbose_name = "Workflow engine"

    def ready(self) -> None:
        # The inbox in the menu, with the number waiting (core.registry: the layout names no process).
        from gradepath.core.registry import MenuEntry, register
        from gradepath.workflow.inbox import count_waiting

        register("menu", MenuEntry("inbox", "Inbox", "workflow:inbox", 15, "/inbox/",
                                   badge=lambda request: count_waiting(request.user)))

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "gradepath.workflow"
    label = "workflow"
    verbose_name = "Workflow engine"

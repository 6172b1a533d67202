from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "gradepath.appraisal"
    label = "appraisal"
    verbose_name = "Appraisals"

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gradepath.notifications"
    label = "notifications"
    verbose_name = "Notifications"

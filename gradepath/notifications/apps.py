from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "gradepath.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from gradepath.core.registry import MenuEntry, register
        from gradepath.notifications.permissions import unread_count

        register("menu", MenuEntry("notifications", "Notifications", "notifications:list", 90, "/notifications/",
                                   badge=lambda request: unread_count(request.user), badge_id="gp-unread-badge"))

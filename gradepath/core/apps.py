from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gradepath.core"
    label = "core"
    verbose_name = "Core and audit history"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from gradepath.core.history import register_sqlite_functions
        from gradepath.core.middleware import start_session_clock

        connection_created.connect(register_sqlite_functions, dispatch_uid="gradepath-sqlite-fns")
        user_logged_in.connect(start_session_clock, dispatch_uid="gradepath-session-clock")

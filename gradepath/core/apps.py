from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gradepath.core"
    label = "core"
    verbose_name = "Core and audit history"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from gradepath.core.history import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="gradepath-sqlite-fns")

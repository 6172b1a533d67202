from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gradepath.people"
    label = "people"
    verbose_name = "People and organisation"

    def ready(self) -> None:
        from gradepath.core.registry import MenuEntry, register
        from gradepath.people import roles

        register("menu", MenuEntry("home", "My home", "people:home", 10, "/$"))
        register("menu", MenuEntry("people", "People", "people:person-list", 50, "/people/"))
        register("menu", MenuEntry("units", "Org structure", "people:unit-list", 60, "/units/",
                                   group="Organisation"))
        register("menu", MenuEntry("delegations", "Delegations", "people:delegation-list", 70,
                                   "/people/delegations/", group="Organisation"))
        register("menu", MenuEntry("equality", "Equality data", "people:equality-search", 80, "/people/equality/",
                                   visible=lambda user: roles.EQUALITY_DATA_VIEWER in roles.group_names(user),
                                   group="Organisation"))
        register("menu", MenuEntry("admin", "Admin", "admin:index", 100, "/admin/",
                                   visible=roles.is_administrator))

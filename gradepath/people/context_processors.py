from gradepath.people import roles
from gradepath.people.relations import person_of


def people(request):
    """Navigation facts for the base layout: the signed-in person and their roles."""
    user = getattr(request, "user", None)
    groups = roles.group_names(user) if user is not None else set()
    return {
        "me": person_of(user) if user is not None and user.is_authenticated else None,
        "my_groups": groups,
        "is_admin": bool(user and user.is_authenticated and (user.is_superuser or roles.ADMINISTRATOR in groups)),
        "is_hr": bool(groups & roles.SEE_EVERYONE) or bool(user and user.is_authenticated and user.is_superuser),
    }

"""Membership of Django groups, read once per request, and the group that administers Gradepath.

Which groups exist and what they may do is the business of the apps above (``people.roles``
names the organisational roles); core only answers "is this user in that group", and knows the
Administrator group because the admin site (``core.admin``) opens to it.
"""

ADMINISTRATOR = "Administrator"


def group_names(user) -> set[str]:
    """The user's group names, cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_gradepath_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._gradepath_groups = cached
    return cached


def in_group(user, *names: str) -> bool:
    """A superuser, or a member of any of these groups."""
    if user and user.is_authenticated and user.is_superuser:
        return True
    return bool(group_names(user) & set(names))


def is_administrator(user) -> bool:
    return in_group(user, ADMINISTRATOR)

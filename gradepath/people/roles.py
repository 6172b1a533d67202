"""Organisational roles (Django groups). Relationship roles live in people.relations."""

HR_BUSINESS_PARTNER = "HR Business Partner"
HR_SERVICES = "HR Services"
ADMINISTRATOR = "Administrator"
EQUALITY_DATA_VIEWER = "Equality data viewer"
TC_LEAD = "TC lead"
EVENT_ORGANISER = "Event organiser"

ALL_GROUPS = [HR_BUSINESS_PARTNER, HR_SERVICES, ADMINISTRATOR, EQUALITY_DATA_VIEWER, TC_LEAD, EVENT_ORGANISER]

# Groups whose members may read every person's record (not equality data).
SEE_EVERYONE = {HR_BUSINESS_PARTNER, HR_SERVICES, ADMINISTRATOR}


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
    if user and user.is_authenticated and user.is_superuser:
        return True
    return bool(group_names(user) & set(names))


def is_administrator(user) -> bool:
    return in_group(user, ADMINISTRATOR)

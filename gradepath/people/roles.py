"""Organisational roles (Django groups). Relationship roles live in people.relations.

Group membership itself (cached per request) is core's (``core.groups``), re-exported here.
"""

from gradepath.core.groups import ADMINISTRATOR, group_names, in_group, is_administrator

__all__ = ["ADMINISTRATOR", "group_names", "in_group", "is_administrator"]

HR_BUSINESS_PARTNER = "HR Business Partner"
HR_SERVICES = "HR Services"
EQUALITY_DATA_VIEWER = "Equality data viewer"
TC_LEAD = "TC lead"
EVENT_ORGANISER = "Event organiser"

ALL_GROUPS = [HR_BUSINESS_PARTNER, HR_SERVICES, ADMINISTRATOR, EQUALITY_DATA_VIEWER, TC_LEAD, EVENT_ORGANISER]

# Groups whose members may read every person's record (not equality data).
SEE_EVERYONE = {HR_BUSINESS_PARTNER, HR_SERVICES, ADMINISTRATOR}

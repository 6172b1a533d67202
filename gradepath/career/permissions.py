"""Who may see a person's career record (policy §4.9): the person, their management chain (line
manager and up), their HR Business Partner, HR Services and administrators. Everyone else gets 404.

The circle is narrower than the person page's (``people.permissions.visible_people``): an FM/HPS,
a Head of Department, the holder of another unit role over the person's unit, or a member of the HR
Business Partner group who is not the person's HRBP may open the person's record, but not their
career record, which brings their pay, appraisals and cases together on one page.

"Their HRBP" is whoever may act as HR Business Partner for the unit of one of the person's current
appointments: the nearest holder up the tree or an active delegate of theirs
(``people.relations.eligible_holders``; when the nearest holder is the person themself, the role
passes to the holder above, as for every matter about someone).
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from gradepath.people import roles
from gradepath.people.models import Appointment, OrgUnit, Person, UnitRole
from gradepath.people.relations import MAX_CHAIN, eligible_holders, person_of

# Organisational roles (groups) that see every career record.
SEE_EVERY_CAREER = (roles.HR_SERVICES, roles.ADMINISTRATOR)


def sees_every_career(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or roles.in_group(user, *SEE_EVERY_CAREER)))


def in_management_chain(manager: Person, person: Person) -> bool:
    """Whether ``manager`` is the person's line manager, their manager, and so on up (one query per
    level climbed, none when the line manager is the one)."""
    seen = {person.pk}
    current = person.line_manager_id
    for _ in range(MAX_CHAIN):
        if current is None or current in seen:
            return False
        if current == manager.pk:
            return True
        seen.add(current)
        current = Person.objects.filter(pk=current).values_list("line_manager_id", flat=True).first()
    return False


def is_hrbp_of(me: Person, person: Person) -> bool:
    """Whether ``me`` may act as HR Business Partner for the unit of one of the person's current
    appointments (a fixed number of queries per unit: the appointments' units, then the holders and
    their delegations up the tree)."""
    unit_ids = set(Appointment.objects.current(timezone.localdate()).filter(person=person)
                   .values_list("post__org_unit_id", flat=True))
    for unit in OrgUnit.objects.filter(pk__in=unit_ids).order_by("pk"):
        if any(holder.pk == me.pk for holder, _ in eligible_holders(unit, UnitRole.HRBP, subject=person)):
            return True
    return False


def can_see_career(user, person: Person) -> bool:
    """Whether ``user`` may open ``person``'s career record (policy §4.9)."""
    if not user or not user.is_authenticated:
        return False
    if sees_every_career(user):
        return True
    me = person_of(user)
    if me is None:
        return False
    if me.pk == person.pk:
        return True
    return in_management_chain(me, person) or is_hrbp_of(me, person)


def get_career_person_for_user(user, pk) -> Person:
    """The access gate of the career record: the person whose record it is, or Http404 (the same
    answer whether nobody has that id or the user may not see their record)."""
    try:
        person = Person.objects.get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such career record.") from None
    if not can_see_career(user, person):
        raise Http404("No such career record.")
    return person

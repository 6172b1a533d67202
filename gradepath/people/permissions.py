"""Who may see and change people, org units and delegations: one gate per object type.

Every view, API endpoint and command looks objects up through a ``get_<noun>_for_user``
function here. Someone with no relationship to the record gets Http404, never a hint that it
exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from gradepath.core.errors import ServiceError, ValidationError
from gradepath.core.history import record_history
from gradepath.core.text import clean_text
from gradepath.people import roles
from gradepath.people.equality import DETAIL_MAX_LENGTH, OTHER, PURPOSE_LABELS, purpose_sentence
from gradepath.people.models import Appointment, Delegation, EqualityData, OrgUnit, Person
from gradepath.people.relations import person_of, report_ids, scope_unit_ids, subtree_q

# Fields each kind of actor may change on a person record (never "__all__").
PERSON_FIELDS_ADMIN = (
    "title", "first_name", "last_name", "known_as", "work_email", "staff_category",
    "line_manager", "probation_end", "is_active",
)
PERSON_FIELDS_SELF = ("known_as",)


def sees_everyone(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or roles.group_names(user) & roles.SEE_EVERYONE))


def visible_people(user) -> QuerySet[Person]:
    """People whose record this user may read: self, reports (all levels), people in units
    where they are FM/HPS, HoD/contact or HRBP (or an active delegate), or everyone for HR."""
    if not user or not user.is_authenticated:
        return Person.objects.none()
    if sees_everyone(user):
        return Person.objects.all()
    me = person_of(user)
    if me is None:
        return Person.objects.none()
    allowed = Q(pk=me.pk)
    reports = report_ids(me)
    if reports:
        allowed |= Q(pk__in=reports)
    units = scope_unit_ids(me)
    if units:
        in_unit = Appointment.objects.current(timezone.localdate()).filter(
            person=OuterRef("pk"), post__org_unit_id__in=units
        )
        allowed |= Q(Exists(in_unit))
    return Person.objects.filter(allowed)


def can_view_person(user, person: Person) -> bool:
    return visible_people(user).filter(pk=person.pk).exists()


def get_person_for_user(user, pk: int) -> Person:
    """The access gate for person records."""
    try:
        return visible_people(user).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def editable_person_fields(user, person: Person) -> tuple[str, ...]:
    """The person fields this user may change. A line manager may read, not edit."""
    if user is None:  # system (commands, imports)
        return PERSON_FIELDS_ADMIN
    me = person_of(user)
    if me is not None and me.pk == person.pk:
        return PERSON_FIELDS_SELF  # whatever the groups: nobody changes their own probation or manager
    if roles.in_group(user, roles.ADMINISTRATOR, roles.HR_SERVICES):
        return PERSON_FIELDS_ADMIN
    return ()


def visible_units(user) -> QuerySet[OrgUnit]:
    """Org units this user may open: HR and administrators see all; others see the units
    where they hold a role (and below), their own unit, and units of their reports."""
    if not user or not user.is_authenticated:
        return OrgUnit.objects.none()
    if sees_everyone(user):
        return OrgUnit.objects.all()
    me = person_of(user)
    if me is None:
        return OrgUnit.objects.none()
    ids = scope_unit_ids(me)
    today = timezone.localdate()
    ids |= set(
        Appointment.objects.current(today)
        .filter(Q(person=me) | Q(person__line_manager=me))
        .values_list("post__org_unit_id", flat=True)
    )
    return OrgUnit.objects.filter(pk__in=ids)


def get_unit_for_user(user, pk: int) -> OrgUnit:
    """The access gate for org units."""
    try:
        return visible_units(user).get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404("No such unit.") from None


def can_manage_structure(user) -> bool:
    """Org structure, grade structure, imports: administrators (and the system)."""
    return user is None or roles.is_administrator(user)


def visible_delegations(user) -> QuerySet[Delegation]:
    if sees_everyone(user):
        return Delegation.objects.all()
    me = person_of(user)
    if me is None:
        return Delegation.objects.none()
    return Delegation.objects.filter(Q(delegator=me) | Q(delegate=me))


def get_delegation_for_user(user, pk: int) -> Delegation:
    """The access gate for delegations."""
    try:
        return visible_delegations(user).select_related("delegator", "delegate", "org_unit").get(pk=pk)
    except (Delegation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such delegation.") from None


def can_view_equality_data(user) -> bool:
    return roles.in_group(user, roles.EQUALITY_DATA_VIEWER)


def equality_people(user) -> QuerySet[Person]:
    """People whose equality-monitoring record this user may ask to read: every member of
    staff for an equality data viewer (their role is to read it for anyone, for a stated
    purpose), nobody for anyone else."""
    return Person.objects.all() if can_view_equality_data(user) else Person.objects.none()


def get_person_for_equality_viewer(user, pk) -> Person:
    """The access gate for the equality pages: 404 unless the user is an equality data viewer."""
    try:
        return equality_people(user).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None


def get_equality_data_for_user(user, person: Person, *, purpose: str, detail: str = "") -> EqualityData | None:
    """Read a person's equality-monitoring data for a stated purpose (policy §6.2): only for
    equality data viewers, and every read (even of an empty record) is written to the history
    table with its purpose. ``purpose`` is a code of ``people.equality.PURPOSES``; ``detail``
    (a reference or a few words) is required for the "other" purpose.

    Http404 for anyone else; ServiceError, with nothing read or written, when no purpose is given.
    """
    if not can_view_equality_data(user):
        raise Http404("No such record.")
    if purpose not in PURPOSE_LABELS:
        raise ServiceError("Choose why you need to read this record.")
    try:
        detail = clean_text(detail or "", label="The purpose", max_length=DETAIL_MAX_LENGTH)
    except ValidationError as error:
        raise ServiceError(error.messages) from None
    if purpose == OTHER and not detail:
        raise ServiceError("Say what the purpose is.")
    data = EqualityData.objects.filter(person=person).first()
    record_history(
        actor=user,
        action="equality_data.viewed",
        obj=person,
        person_id=person.pk,
        capacity="equality data viewer",
        summary=f"Viewed the equality-monitoring data of {person} for {purpose_sentence(purpose, detail)}.",
        after={"purpose": purpose, "purpose_detail": detail},
    )
    return data


def unit_subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(subtree_q({unit.pk}))

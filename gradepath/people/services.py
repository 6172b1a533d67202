"""Every change to org units, people, posts, appointments and delegations.

Each function: checks permission and state, locks the rows it changes, saves only changed
fields, writes a history row and queues notifications, all in one transaction. ``actor=None``
means the system itself (a management command or the importer run by an administrator).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from gradepath.core.dates import add_months, days_inclusive, months_between
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import diff, field_labels, record_history, snapshot
from gradepath.core.locking import lock
from gradepath.core.models import HistoryEntry
from gradepath.core.text import clean_text
from gradepath.notifications.services import notify
from gradepath.people import roles
from gradepath.people.models import (
    DELEGABLE_ROLES,
    Appointment,
    Delegation,
    OrgUnit,
    Person,
    Post,
    PostGrade,
    UnitRole,
    UnitRoleAssignment,
)
from gradepath.people.permissions import can_manage_structure, editable_person_fields
from gradepath.people.relations import MAX_CHAIN, nearest_holder, person_of

UNIT_FIELDS = ("code", "name", "kind", "parent", "is_active")
POST_FIELDS = (
    "post_number", "org_unit", "title", "grade", "fte", "funding_source", "grant_funded", "jd_version", "is_active",
)


def require_admin(actor) -> None:
    """Only an administrator (or the system) changes the organisation structure."""
    if not can_manage_structure(actor):
        raise PermissionDenied("Only an administrator can change the organisation structure.")


def require_hr(actor, what: str) -> None:
    """Only HR Services or an administrator (or the system) records people and appointments (``what``:
    "add people", "record appointments")."""
    if not can_manage_structure(actor) and not roles.in_group(actor, roles.HR_SERVICES):
        raise PermissionDenied(f"Only HR Services or an administrator can {what}.")


def unit_code_in_use(code: str) -> ServiceError:
    return ServiceError(f"There is already a unit with the code {code}.")


def employee_number_in_use(number: str) -> ServiceError:
    return ServiceError(f"Employee number {number} is already in use.")


def post_id_in_use(post_id: str) -> ServiceError:
    return ServiceError(f"Post id {post_id} is already in use.")


# --- Org units -------------------------------------------------------------------------------


def check_unit(kind: str, parent: OrgUnit | None, unit: OrgUnit | None = None) -> None:
    """A unit's kind and parent make sense: a faculty or PS division at the top, anything else under
    a unit, and never under itself (``parent.path`` as it stands)."""
    top = kind in (OrgUnit.Kind.FACULTY, OrgUnit.Kind.PS_DIVISION)
    if top and parent is not None:
        raise ServiceError("A faculty or PS division sits at the top of the structure and has no parent unit.")
    if not top and parent is None:
        raise ServiceError("A department or section must belong to a faculty, division or department.")
    if unit is not None and parent is not None and (parent.pk == unit.pk or f"/{unit.pk}/" in parent.path):
        raise ServiceError(f"{parent} is inside {unit}, so it cannot be its parent.")


def create_org_unit(*, actor, code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Add a unit to the structure. Its role holders are assignments (:func:`assign_unit_role`)."""
    require_admin(actor)
    check_unit(kind, parent)
    if OrgUnit.objects.filter(code=code).exists():
        raise unit_code_in_use(code)
    with transaction.atomic():
        unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
        record_history(actor=actor, **unit_created_history(unit))
    return unit


def unit_created_history(unit: OrgUnit) -> dict[str, Any]:
    """The history row of a new unit (:func:`record_history`'s arguments besides the actor)."""
    return {"action": "org_unit.created", "obj": unit, "summary": f"Created {unit.get_kind_display().lower()} {unit}.",
            "after": snapshot(unit, UNIT_FIELDS)}


def unit_updated_history(unit: OrgUnit, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The history row of a changed unit (only the fields that changed, before and after)."""
    return {"action": "org_unit.updated", "obj": unit, "summary": f"Changed {field_labels(OrgUnit, after)} of {unit}.",
            "before": before, "after": after}


def update_org_unit(*, actor, unit: OrgUnit, **changes: Any) -> OrgUnit:
    """Change a unit's code, name, kind, parent or whether it is active (its role holders:
    :func:`assign_unit_role`, :func:`end_unit_role`)."""
    require_admin(actor)
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        unit = lock(unit)
        before = snapshot(unit, UNIT_FIELDS)
        for field, value in changes.items():
            setattr(unit, field, value)
        check_unit(unit.kind, unit.parent, unit)
        if "code" in changes and OrgUnit.objects.filter(code=unit.code).exclude(pk=unit.pk).exists():
            raise unit_code_in_use(unit.code)
        old_b, new_b = diff(before, snapshot(unit, UNIT_FIELDS))
        if not new_b:
            return unit
        fields = [f for f in changes if f in new_b]
        if "parent" in new_b:
            old_path = unit.path
            unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
            fields.append("path")
            for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
                child.path = unit.path + child.path[len(old_path):]
                child.save(update_fields=["path"])
        unit.save(update_fields=fields)
        record_history(actor=actor, **unit_updated_history(unit, old_b, new_b))
    return unit


# --- Unit roles (dated assignments) --------------------------------------------------------------


def unit_exists_from(unit: OrgUnit) -> dt.date | None:
    """The first day the unit is known to exist: the day it was recorded in Gradepath, or the first
    appointment to a post in it or below it, whichever is earlier (None when nothing says)."""
    created = HistoryEntry.objects.filter(
        object_type=OrgUnit._meta.label_lower, object_id=str(unit.pk), action="org_unit.created",
    ).order_by("created_at").values_list("created_at", flat=True).first()
    known = [timezone.localdate(created)] if created is not None else []
    first_appointment = (Appointment.objects.filter(post__org_unit__path__startswith=unit.path or f"/{unit.pk}/")
                         .order_by("start_date").values_list("start_date", flat=True).first())
    if first_appointment is not None:
        known.append(first_appointment)
    return min(known) if known else None


def _role_words(role: str, unit: OrgUnit, root_kind: str | None = None) -> str:
    if root_kind is not None:
        return f"{UnitRole(role).label_for(root_kind=root_kind)} of {unit}"
    return f"{UnitRole(role).label_for(unit)} of {unit}"


def _dates(start: dt.date, end: dt.date | None) -> str:
    return f"from {start:%d %b %Y}" + (f" to {end:%d %b %Y}" if end else " until further notice")


def _clash_message(clash: UnitRoleAssignment, unit: OrgUnit, root_kind: str | None = None) -> str:
    return (f"{clash.person} is the {_role_words(clash.role, unit, root_kind)} "
            f"{_dates(clash.start_date, clash.end_date)}, "
            "and a unit has one holder of a role on any day. End that assignment first (or choose other dates).")


def check_role_holder(unit: OrgUnit, person: Person, start_date: dt.date, exists: dt.date | None) -> None:
    """Nobody holds a role for a unit before the unit exists (``exists``: :func:`unit_exists_from`),
    and someone no longer active holds none."""
    if exists is not None and start_date < exists:
        raise ServiceError(f"{unit} exists from {exists:%d %b %Y}: nobody can hold a role for it before then "
                           f"({start_date:%d %b %Y}).")
    if not person.is_active:
        raise ServiceError(f"{person} is no longer active and cannot hold a role.")


def role_change(clashes: list[UnitRoleAssignment], *, unit: OrgUnit, person: Person, start_date: dt.date,
                end_date: dt.date | None, replace_current: bool,
                root_kind: str | None = None) -> tuple[UnitRoleAssignment | None, UnitRoleAssignment | None]:
    """What naming ``person`` for the dates does to the assignments of the unit's role they overlap
    (``clashes``, earliest first): (the assignment that already says so, to keep as it is; the
    open-ended one to end the day before ``start_date``). Refused (ServiceError) while any other
    assignment overlaps. With ``replace_current`` an open-ended holder who started earlier is ended;
    otherwise every overlap is refused."""
    if replace_current:
        current = next((a for a in clashes if a.end_date is None and a.start_date < start_date), None)
        if current is not None and current.person_id == person.pk and end_date is None:
            return current, None  # already the holder until further notice: nothing to record
        if current is not None and len(clashes) == 1:
            return None, current
    if clashes:
        raise ServiceError(_clash_message(clashes[0], unit, root_kind))
    return None, None


def role_assigned_history(assignment: UnitRoleAssignment, unit: OrgUnit, root_kind: str | None = None) -> dict[str, Any]:
    """The history row of a new role assignment."""
    person, role = assignment.person, assignment.role
    start, end = assignment.start_date, assignment.end_date
    return {"action": "unit_role.assigned", "obj": assignment, "person_id": person.pk,
            "summary": f"{person} is the {_role_words(role, unit, root_kind)} {_dates(start, end)}.",
            "after": {"unit": unit.code, "role": role, "person": person.employee_number,
                      "start_date": start.isoformat(), "end_date": end.isoformat() if end else None}}


def role_ended_history(assignment: UnitRoleAssignment, unit: OrgUnit, before: dt.date | None,
                       root_kind: str | None = None) -> dict[str, Any]:
    """The history row of a role assignment given a new last day (``before``: the last day it had)."""
    end_date, words = assignment.end_date, _role_words(assignment.role, unit, root_kind)
    summary = (f"{assignment.person} is the {words} until {end_date:%d %b %Y}." if end_date
               else f"{assignment.person} is the {words} until further notice.")
    return {"action": "unit_role.ended", "obj": assignment, "person_id": assignment.person_id, "summary": summary,
            "before": {"end_date": before.isoformat() if before else None},
            "after": {"end_date": end_date.isoformat() if end_date else None}}


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def assign_unit_role(*, actor, unit: OrgUnit, role: str, person: Person, start_date: dt.date,
                     end_date: dt.date | None = None, replace_current: bool = False) -> UnitRoleAssignment:
    """Name ``person`` as the holder of ``role`` for ``unit`` from ``start_date`` (until ``end_date``, or
    until further notice), in one transaction with its history row.

    Refused: a role Gradepath does not know, no person record, an end before the start, a start before
    the unit exists (:func:`unit_exists_from`), and dates that overlap another holder of the role for the
    unit. With ``replace_current`` an open-ended holder who started earlier is ended the day before
    (recorded too): "X is the FM/HPS from 1 September" in one step, as the import does.
    """
    require_admin(actor)
    if not isinstance(person, Person) or person.pk is None:
        raise ServiceError("Choose the person who holds the role: they need a person record in Gradepath.")
    check_role_dates(role, start_date, end_date)
    with transaction.atomic():
        unit = lock(unit)  # one writer of a unit's role holders at a time
        check_role_holder(unit, person, start_date, unit_exists_from(unit))
        same = UnitRoleAssignment.objects.filter(unit=unit, role=role)
        clashes = list(same.overlapping(start_date, end_date).select_related("person").order_by("start_date"))
        keep, to_end = role_change(clashes, unit=unit, person=person, start_date=start_date, end_date=end_date,
                                   replace_current=replace_current)
        if keep is not None:
            return keep
        if to_end is not None:
            _end(actor, to_end, unit, start_date - dt.timedelta(days=1))
        assignment = UnitRoleAssignment.objects.create(unit=unit, role=role, person=person,
                                                       start_date=start_date, end_date=end_date)
        record_history(actor=actor, **role_assigned_history(assignment, unit))
    return assignment


def check_role_dates(role: str, start_date: Any, end_date: Any) -> None:
    """A role Gradepath knows, held from a date until a date not before it (or until further notice)."""
    if role not in UnitRole.values:
        raise ServiceError("Choose a role Gradepath knows: " + ", ".join(UnitRole.labels) + ".")
    if not _is_date(start_date):
        raise ServiceError("Give the date the role is held from (for example 2026-09-01).")
    if end_date is not None and not _is_date(end_date):
        raise ServiceError("Give the last day the role is held as a date, or leave it blank.")
    if end_date is not None and end_date < start_date:
        raise ServiceError(f"The assignment cannot end ({end_date:%d %b %Y}) before it starts ({start_date:%d %b %Y}).")


def _end(actor, assignment: UnitRoleAssignment, unit: OrgUnit, end_date: dt.date | None) -> None:
    before = assignment.end_date
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    record_history(actor=actor, **role_ended_history(assignment, unit, before))


def end_unit_role(*, actor, assignment: UnitRoleAssignment, end_date: dt.date | None) -> UnitRoleAssignment:
    """Set (or move, or with None remove) the last day of a role assignment, with its history row.

    Refused: an end before the start, and a later end that would overlap the next holder.
    """
    require_admin(actor)
    if end_date is not None and not _is_date(end_date):
        raise ServiceError("Give the last day the role is held as a date, or leave it blank.")
    with transaction.atomic():
        unit = lock(assignment.unit)
        assignment = UnitRoleAssignment.objects.select_related("person").get(pk=assignment.pk)
        if end_date is not None and end_date < assignment.start_date:
            raise ServiceError(f"The assignment cannot end ({end_date:%d %b %Y}) before it starts "
                               f"({assignment.start_date:%d %b %Y}).")
        if end_date == assignment.end_date:
            return assignment
        clash = (UnitRoleAssignment.objects.filter(unit=unit, role=assignment.role).exclude(pk=assignment.pk)
                 .overlapping(assignment.start_date, end_date).select_related("person").order_by("start_date").first())
        if clash is not None:
            raise ServiceError(_clash_message(clash, unit))
        _end(actor, assignment, unit, end_date)
    return assignment


# --- People ------------------------------------------------------------------------------------


def check_line_manager(person: Person | None, manager: Person | None,
                       manager_of: Callable[[Person], Person | None] | None = None) -> None:
    """Nobody is their own line manager, directly or through the chain above ``manager``, followed
    through each record's ``line_manager`` (or ``manager_of``, for records as a bulk writer holds them;
    people are told apart by their employee numbers)."""
    if manager is None or person is None or person.pk is None:
        return
    if manager_of is None:
        def manager_of(record: Person) -> Person | None:
            return record.line_manager
    if manager.employee_number == person.employee_number:
        raise ServiceError("A person cannot be their own line manager.")
    seen = {manager.employee_number}
    current = manager_of(manager)
    for _ in range(MAX_CHAIN):
        if current is None:
            return
        if current.employee_number == person.employee_number:
            raise ServiceError(
                f"{manager} reports (directly or indirectly) to {person}, so cannot be their line manager."
            )
        if current.employee_number in seen:
            return
        seen.add(current.employee_number)
        current = manager_of(current)


def normalise_email(email: str) -> str:
    """A work e-mail address as stored: lower-case, so the unique index finds clashes."""
    return email.strip().lower()


def email_in_use(email: str) -> ServiceError:
    return ServiceError(f"The e-mail address {email} already belongs to someone else.")


@functools.cache
def _new_person_extra_fields() -> frozenset[str]:
    return frozenset(editable_person_fields(None, Person())) - {"first_name", "last_name", "work_email",
                                                                "staff_category"}


def check_new_person_fields(extra: dict[str, Any]) -> None:
    """A new person's fields besides the required ones are ones that may be set."""
    unknown = set(extra) - _new_person_extra_fields()
    if unknown:
        raise ServiceError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")


def check_person_changes(actor, person: Person, changes: dict[str, Any]) -> tuple[str, ...]:
    """The fields of ``person`` the actor may change (PermissionDenied if ``changes`` has others)."""
    allowed = tuple(editable_person_fields(actor, person))
    refused = set(changes) - set(allowed)
    if refused:
        if not allowed:
            raise PermissionDenied("You can read this record but not change it.")
        raise PermissionDenied(f"You cannot change {', '.join(sorted(refused))} on this record.")
    return allowed


def person_created_history(person: Person) -> dict[str, Any]:
    """The history row of a new person."""
    return {"action": "person.created", "obj": person, "person_id": person.pk,
            "summary": f"Added {person} ({person.employee_number}).",
            "after": snapshot(person, ("employee_number",) + tuple(editable_person_fields(None, person)))}


def person_updated_history(person: Person, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The history row of a changed person record (only the fields that changed)."""
    return {"action": "person.updated", "obj": person, "person_id": person.pk,
            "summary": f"Changed {field_labels(Person, after)} of {person}.", "before": before, "after": after}


def new_report_message(person: Person) -> dict[str, Any]:
    """What a new line manager is told (in the app, no e-mail) when ``person`` is recorded as reporting to them."""
    return {"subject": f"{person} now reports to you", "body": f"{person} has been recorded as reporting to you.",
            "link": f"/people/{person.pk}/"}


def create_person(*, actor, employee_number: str, first_name: str, last_name: str, work_email: str,
                  staff_category: str, **extra: Any) -> Person:
    """Add a member of staff."""
    require_hr(actor, "add people")
    check_new_person_fields(extra)
    if Person.objects.filter(employee_number=employee_number).exists():
        raise employee_number_in_use(employee_number)
    work_email = normalise_email(work_email)
    if Person.objects.filter(work_email=work_email).exists():
        raise email_in_use(work_email)
    with transaction.atomic():
        person = Person.objects.create(employee_number=employee_number, first_name=first_name,
                                       last_name=last_name, work_email=work_email,
                                       staff_category=staff_category, **extra)
        record_history(actor=actor, **person_created_history(person))
    return person


def update_person(*, actor, person: Person, changes: dict[str, Any]) -> Person:
    """Change fields of a person record, limited to what the actor may change."""
    allowed = check_person_changes(actor, person, changes)
    if isinstance(changes.get("work_email"), str):
        changes = {**changes, "work_email": normalise_email(changes["work_email"])}
    with transaction.atomic():
        person = lock(person)
        before = snapshot(person, allowed)
        for field, value in changes.items():
            setattr(person, field, value)
        if "line_manager" in changes:
            check_line_manager(person, person.line_manager)
        if "work_email" in changes and Person.objects.filter(
                work_email=person.work_email).exclude(pk=person.pk).exists():
            raise email_in_use(person.work_email)
        old_b, new_b = diff(before, snapshot(person, allowed))
        if not new_b:
            return person
        person.save(update_fields=[f for f in changes if f in new_b])
        record_history(actor=actor, **person_updated_history(person, old_b, new_b))
        if "line_manager" in new_b and person.line_manager is not None:
            notify(recipient=person.line_manager, email=False, **new_report_message(person))
    return person


def set_line_manager(*, actor, person: Person, manager: Person | None) -> Person:
    """Record who a person reports to (one line manager; no cycles)."""
    return update_person(actor=actor, person=person, changes={"line_manager": manager})


# --- Posts and appointments ----------------------------------------------------------------


def create_post(*, actor, post_number: str, org_unit: OrgUnit, title: str, grade_from: dt.date | None = None,
                **extra: Any) -> Post:
    """Add a post to an org unit. A grade given here is the first line of its grade history,
    effective from ``grade_from`` (default: today)."""
    require_admin(actor)
    unknown = set(extra) - set(POST_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    if Post.objects.filter(post_number=post_number).exists():
        raise post_id_in_use(post_number)
    check_fte(extra.get("fte", 1))
    grade = extra.pop("grade", None)
    grade_from = grade_from or timezone.localdate()
    if grade is not None:
        _check_grade_date(grade, grade_from)
    with transaction.atomic():
        post = Post.objects.create(post_number=post_number, org_unit=org_unit, title=title, **extra)
        record_history(actor=actor, **post_created_history(post))
        if grade is not None:
            change_post_grade(actor=actor, post=post, grade=grade, effective_from=grade_from,
                              reason=PostGrade.Reason.ESTABLISHED, jd_version=post.jd_version)
            post.refresh_from_db(fields=["grade"])
    return post


def check_fte(fte: Any) -> None:
    if not (0 < float(fte) <= 1):
        raise ServiceError("FTE must be more than 0 and at most 1 (for example 0.6).")


def post_created_history(post: Post) -> dict[str, Any]:
    """The history row of a new post."""
    return {"action": "post.created", "obj": post, "summary": f"Created post {post}.",
            "after": snapshot(post, POST_FIELDS)}


def post_updated_history(post: Post, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The history row of a changed post (only the fields that changed)."""
    return {"action": "post.updated", "obj": post,
            "summary": f"Changed {field_labels(Post, after)} of post {post.post_number}.", "before": before,
            "after": after}


def update_post(*, actor, post: Post, changes: dict[str, Any]) -> Post:
    """Change a post's title, unit, funding, FTE or JD version.

    Its grade is effective-dated: record it with :func:`change_post_grade`. A ``"grade"`` in
    ``changes`` (the call grading made before grades had dates) is still accepted and recorded as a
    correction effective today, with the JD version in the same changes as its basis.
    """
    require_admin(actor)
    unknown = set(changes) - set(POST_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "fte" in changes:
        check_fte(changes["fte"])
    changes = dict(changes)
    has_grade, grade = "grade" in changes, changes.pop("grade", None)
    if has_grade and grade is None:
        raise ServiceError("A post's grade cannot be removed: record a dated grade change instead.")
    with transaction.atomic():
        post = lock(post)
        before = snapshot(post, POST_FIELDS)
        for field, value in changes.items():
            setattr(post, field, value)
        old_b, new_b = diff(before, snapshot(post, POST_FIELDS))
        if new_b:
            post.save(update_fields=[f for f in changes if f in new_b])
            record_history(actor=actor, **post_updated_history(post, old_b, new_b))
        if has_grade:
            change_post_grade(actor=actor, post=post, grade=grade, effective_from=timezone.localdate(),
                              reason=PostGrade.Reason.CORRECTION, jd_version=post.jd_version,
                              note="Recorded without a date: it takes effect on the day it was recorded.")
            post.refresh_from_db(fields=["grade"])
    return post


# --- Grades of posts (effective-dated, policy §3.4) ------------------------------------------------


def can_change_post_grade(actor) -> bool:
    """HR Services (who carry out grading decisions), administrators, and the system."""
    return actor is None or can_manage_structure(actor) or roles.in_group(actor, roles.HR_SERVICES)


def _check_grade_date(grade, effective_from: dt.date) -> None:
    structure = grade.structure
    if structure.effective_from > effective_from or (
            structure.effective_to is not None and structure.effective_to < effective_from):
        raise ServiceError(
            f"{grade} of the grade structure from {structure.effective_from:%d %b %Y} is not in force on "
            f"{effective_from:%d %b %Y}. Choose a grade of the structure in force on that date."
        )


def post_exists_from(post: Post, lines: list[PostGrade] | None = None) -> dt.date | None:
    """The first day the post is known to exist: its first grade line, its first appointment or
    the day it was recorded, whichever is earliest (None when nothing says)."""
    if lines is None:
        lines = list(post.grade_changes.live().order_by("effective_from", "pk")[:1])
    known = [line.effective_from for line in lines[:1]]
    first_appointment = post.appointments.order_by("start_date").values_list("start_date", flat=True).first()
    if first_appointment is not None:
        known.append(first_appointment)
    created = HistoryEntry.objects.filter(
        object_type=Post._meta.label_lower, object_id=str(post.pk), action="post.created",
    ).order_by("created_at").values_list("created_at", flat=True).first()
    if created is not None:
        known.append(timezone.localdate(created))
    return min(known) if known else None


def _in_force(lines: list[PostGrade], on: dt.date) -> PostGrade | None:
    """Of ``lines`` (live, by date), the one in force on ``on``."""
    found = None
    for line in lines:
        if line.effective_from <= on:
            found = line
    return found


def _grade_words(line: PostGrade) -> str:
    what = line.get_reason_display().lower()
    return f"{line.grade} from {line.effective_from:%d %b %Y} ({what}{', ' + line.source if line.source else ''})"


def change_post_grade(*, actor, post: Post, grade, effective_from: dt.date,
                      reason: str = PostGrade.Reason.REGRADE, source: str = "", jd_version=None,
                      note: str = "") -> PostGrade:
    """Record that ``post`` has ``grade`` from ``effective_from`` (policy §3.4).

    A line of the post's grade history, in one transaction with its history row; the grade in
    force until then stays in force until the day before. Refused: a date before the post existed
    (its first line, first appointment or recording; reason "established" makes the first line),
    a grade outside the structure in force on the date, and a second change on a date that already
    has one, unless it is a correction or an upheld appeal, which supersede the earlier line (kept,
    marked superseded). The same ``source`` (a grading case processed again after an appeal)
    supersedes that case's own earlier line, whatever its date. A change to the grade already in
    force on that date records nothing and returns the line in force. ``Post.grade`` (the grade
    in force today) is brought up to date in the same transaction.
    """
    if not can_change_post_grade(actor):
        raise PermissionDenied("Only HR Services or an administrator can change the grade of a post.")
    if grade is None:
        raise ServiceError("Choose the grade of the post.")
    if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
        raise ServiceError("Give the date the grade takes effect (a date, for example 2027-01-01).")
    if reason not in PostGrade.Reason.values:
        raise ServiceError("Choose the reason for the grade change: "
                           + ", ".join(label.lower() for label in PostGrade.Reason.labels) + ".")
    try:
        source = clean_text(source or "", label="The source", max_length=100)
        note = clean_text(note or "", label="The note", max_length=300)
    except ValidationError as exc:
        raise ServiceError(exc.messages) from None
    _check_grade_date(grade, effective_from)
    me = person_of(actor) if actor is not None else None
    if me is not None and Appointment.objects.current().filter(person=me, post=post).exists():
        raise PermissionDenied("You cannot change the grade of your own post: ask a colleague in HR Services.")
    today = timezone.localdate()
    with transaction.atomic():
        post = lock(post)
        lines = list(post.grade_changes.live().select_related("grade").order_by("effective_from", "pk"))
        if reason == PostGrade.Reason.ESTABLISHED and (lines or post.grade_id is not None):
            raise ServiceError(f"Post {post.post_number} already has a grade: record a regrade or a correction.")
        starts = None if reason == PostGrade.Reason.ESTABLISHED else post_exists_from(post, lines)
        if starts is not None and effective_from < starts:
            raise ServiceError(
                f"Post {post.post_number} exists from {starts:%d %b %Y}: a grade change cannot take effect "
                f"before that ({effective_from:%d %b %Y})."
            )
        if not lines and post.grade_id is not None and starts is not None and starts < effective_from:
            # The grade recorded before the post had a history: keep it as the first line, so the
            # change is dated against it instead of replacing it.
            lines.append(PostGrade.objects.create(
                post=post, grade_id=post.grade_id, effective_from=starts, reason=PostGrade.Reason.RECORDED,
                jd_version_id=post.jd_version_id, recorded_by=actor if actor is not None and actor.pk else None,
                note="The grade the post held before its grade history was kept.",
            ))
        same_day = next((line for line in lines if line.effective_from == effective_from), None)
        # The same case processed again (after an upheld appeal) replaces its own earlier line.
        own = [line for line in lines if source and line.source == source and line is not same_day]
        replaced = ([same_day] if same_day is not None else []) + own
        remaining = [line for line in lines if line not in replaced]
        previous = _in_force(remaining, effective_from)
        if not replaced and previous is not None and previous.grade_id == grade.pk:
            return previous  # already this grade on that date: nothing to record
        if same_day is not None:
            if same_day.grade_id == grade.pk and same_day.source == source and not own:
                return same_day
            replaces = (reason in (PostGrade.Reason.CORRECTION, PostGrade.Reason.APPEAL)
                        or (source and source == same_day.source))
            if not replaces:
                raise ServiceError(
                    f"Post {post.post_number} already has a grade change on {effective_from:%d %b %Y}: "
                    f"{_grade_words(same_day)}. Two changes cannot take effect on the same day; record a "
                    "correction to replace it."
                )
        for old in replaced:
            old.superseded_at = timezone.now()
            old.save(update_fields=["superseded_at"])
        line = PostGrade.objects.create(
            post=post, grade=grade, effective_from=effective_from, reason=reason, source=source,
            jd_version=jd_version, note=note, recorded_by=actor if actor is not None and actor.pk else None,
            supersedes=replaced[0] if replaced else None,
        )
        lines = sorted(remaining + [line], key=lambda x: (x.effective_from, x.pk))
        later = next((x for x in lines if x.effective_from > effective_from), None)
        words = f"Post {post.post_number} ({post.title}): {_grade_words(line)}"
        if previous is not None:
            words += f"; {previous.grade} until {effective_from - dt.timedelta(days=1):%d %b %Y}"
        if later is not None:
            words += f"; then {later.grade} from {later.effective_from:%d %b %Y}"
        if replaced:
            words += ". It replaces " + " and ".join(_grade_words(old) for old in replaced)
        holders = list(Appointment.objects.current(max(effective_from, today)).filter(post=post)
                       .values_list("person_id", flat=True)[:2])
        record_history(
            actor=actor, action="post.grade_changed", obj=post, person_id=holders[0] if len(holders) == 1 else None,
            summary=words + ".",
            before={"grade": str(previous.grade) if previous else None,
                    **({"replaced": [_grade_words(old) for old in replaced]} if replaced else {})},
            after={"grade": str(grade), "effective_from": effective_from.isoformat(), "reason": reason,
                   "source": source, "line": line.pk},
        )
        _bring_into_force(post, lines, today, actor)
    return line


def _bring_into_force(post: Post, lines: list[PostGrade], on: dt.date, actor) -> None:
    """Set ``Post.grade`` (locked, with its live ``lines``) to the grade in force on ``on``."""
    current = _in_force(lines, on)
    grade_id = current.grade_id if current is not None else None
    if post.grade_id != grade_id:
        post.grade_id = grade_id
        post.save(update_fields=["grade"])


def bring_post_grades_into_force(*, actor=None, on: dt.date | None = None) -> list[Post]:
    """Bring ``Post.grade`` to the grade in force on ``on`` (today) for every post whose dated
    change has come into force, one history row each. Idempotent: meant to run daily
    (``gradepath post-grades-in-force``); pages never depend on it, they read the history."""
    if not can_change_post_grade(actor):
        raise PermissionDenied("Only HR Services or an administrator can bring post grades into force.")
    on = on or timezone.localdate()
    wanted = (Post.objects.filter(Exists(PostGrade.objects.live().filter(post=OuterRef("pk"))))
              .annotate(want=Subquery(PostGrade.objects.in_force(on).filter(post=OuterRef("pk"))
                                      .values("grade_id")[:1]))
              .values_list("pk", "grade_id", "want"))
    stale = [pk for pk, have, want in wanted if have != want]
    changed = []
    for pk in stale:
        with transaction.atomic():
            post = lock(Post(pk=pk))
            lines = list(post.grade_changes.live().select_related("grade").order_by("effective_from", "pk"))
            before = post.grade
            _bring_into_force(post, lines, on, actor)
            if post.grade_id == (before.pk if before else None):
                continue
            current = _in_force(lines, on)
            record_history(
                actor=actor, action="post.grade_in_force", obj=post,
                summary=(f"Post {post.post_number} ({post.title}) is {current.grade} from "
                         f"{current.effective_from:%d %b %Y}." if current else
                         f"Post {post.post_number} ({post.title}) has no grade in force on {on:%d %b %Y}."),
                before={"grade": str(before) if before else None},
                after={"grade": str(post.grade) if post.grade_id else None, "on": on.isoformat()},
            )
            changed.append(post)
    return changed


def substantive_clash(appointments: Iterable[Appointment], start: dt.date, end: dt.date | None) -> Appointment | None:
    """Of a person's ``appointments``, the substantive one (latest start first) whose dates overlap
    ``start``–``end``: one substantive appointment at a time."""
    clashes = [a for a in appointments if a.kind == Appointment.Kind.SUBSTANTIVE
               and (end is None or a.start_date <= end) and (a.end_date is None or a.end_date >= start)]
    return max(clashes, key=lambda a: a.start_date, default=None)


def temporary_appointment_problem(kind: str, start_date: dt.date, end_date: dt.date | None) -> str | None:
    """What the policy says about the length of a secondment or acting up (§4.7, §4.8), in words, or None:
    acting up is for more than ``GRADEPATH_ALLOWANCES["ACTING_UP_MIN_WEEKS"]`` consecutive weeks and at
    most ``ACTING_UP_MAX_MONTHS``; a secondment lasts at most ``GRADEPATH_SECONDMENTS["MAX_MONTHS"]``.
    The same rules hold however the appointment arrives (the processes' services, the HR import)."""
    if end_date is None or end_date < start_date:
        return None
    if kind == Appointment.Kind.ACTING_UP:
        rules = settings.GRADEPATH_ALLOWANCES
        weeks, most = rules["ACTING_UP_MIN_WEEKS"], rules["ACTING_UP_MAX_MONTHS"]
        if days_inclusive(start_date, end_date) <= weeks * 7:
            return (f"Acting up is for more than {weeks} consecutive weeks: {start_date:%d %b %Y} to "
                    f"{end_date:%d %b %Y} is {days_inclusive(start_date, end_date)} days.")
        if end_date >= add_months(start_date, most):
            return (f"Acting up may last at most {most} months: {start_date:%d %b %Y} to {end_date:%d %b %Y} is "
                    "longer. A longer arrangement is an appointment or a regrade.")
    if kind == Appointment.Kind.SECONDMENT:
        most = settings.GRADEPATH_SECONDMENTS["MAX_MONTHS"]
        if months_between(start_date, end_date) > most:
            return (f"A secondment may last at most {most} months, extensions included: {start_date:%d %b %Y} to "
                    f"{end_date:%d %b %Y} is {months_between(start_date, end_date)} months.")
    return None


def check_appointment(person: Person, kind: str, start_date: dt.date, end_date: dt.date | None,
                      appointments: Iterable[Appointment]) -> None:
    """A new appointment's dates: an end not before the start, an end for a temporary one, and no
    substantive appointment overlapping another of the person's (``appointments``: theirs so far)."""
    if end_date is not None and end_date < start_date:
        raise ServiceError("The appointment cannot end before it starts.")
    if kind in (Appointment.Kind.SECONDMENT, Appointment.Kind.ACTING_UP) and end_date is None:
        raise ServiceError(f"A {Appointment.Kind(kind).label.lower()} is temporary: give its end date.")
    if (why := temporary_appointment_problem(kind, start_date, end_date)) is not None:
        raise ServiceError(why)
    if kind != Appointment.Kind.SUBSTANTIVE:
        same = [a for a in appointments if a.kind == kind and a.start_date <= (end_date or dt.date.max)
                and (a.end_date is None or a.end_date >= start_date)]
        if same:
            other = max(same, key=lambda a: a.start_date)
            words = Appointment.Kind(kind).label.lower()
            raise ServiceError(
                f"{person} already has {'an' if words[0] in 'aeiou' else 'a'} {words} appointment ({other.post}) "
                f"from {other.start_date:%d %b %Y}{' to ' + format(other.end_date, '%d %b %Y') if other.end_date else ''}"
                f" that overlaps these dates: one {words} at a time.")
    if kind == Appointment.Kind.SUBSTANTIVE:
        clash = substantive_clash(appointments, start_date, end_date)
        if clash is not None:
            raise ServiceError(
                f"{person} already has a substantive appointment ({clash.post}) from "
                f"{clash.start_date:%d %b %Y}{' to ' + format(clash.end_date, '%d %b %Y') if clash.end_date else ''}"
                " that overlaps these dates. End it first."
            )


def appointment_started_history(appointment: Appointment) -> dict[str, Any]:
    """The history row of a new appointment."""
    return {"action": "appointment.started", "obj": appointment, "person_id": appointment.person.pk,
            "summary": f"Appointed {appointment.person} to {appointment.post} "
                       f"({appointment.kind_label.lower()}) from {appointment.start_date:%d %b %Y}.",
            "after": snapshot(appointment, ("post", "kind", "start_date", "end_date"))}


def appointment_ended_history(appointment: Appointment, before: dt.date | None) -> dict[str, Any]:
    """The history row of an appointment given an end date (``before``: the end date it had)."""
    end_date = appointment.end_date
    assert end_date is not None
    return {"action": "appointment.ended", "obj": appointment, "person_id": appointment.person_id,
            "summary": f"{appointment.person}'s appointment to {appointment.post} ends on {end_date:%d %b %Y}.",
            "before": {"end_date": before.isoformat() if before else None}, "after": {"end_date": end_date.isoformat()}}


def check_appointment_end(appointment: Appointment, end_date: dt.date) -> None:
    if end_date < appointment.start_date:
        raise ServiceError("The appointment cannot end before it starts.")


def start_appointment(*, actor, person: Person, post: Post, kind: str = Appointment.Kind.SUBSTANTIVE,
                      start_date: dt.date, end_date: dt.date | None = None) -> Appointment:
    """Appoint a person to a post. One substantive appointment at a time."""
    require_hr(actor, "record appointments")
    check_appointment(person, kind, start_date, end_date, ())  # the dates, before taking the lock
    with transaction.atomic():
        person = lock(person)  # serialises appointment changes for one person
        theirs = Appointment.objects.filter(person=person, kind=Appointment.Kind.SUBSTANTIVE).select_related("post")
        check_appointment(person, kind, start_date, end_date, theirs)
        appointment = Appointment.objects.create(person=person, post=post, kind=kind,
                                                 start_date=start_date, end_date=end_date)
        record_history(actor=actor, **appointment_started_history(appointment))
    return appointment


def end_appointment(*, actor, appointment: Appointment, end_date: dt.date) -> Appointment:
    """Set or change the end date of an appointment."""
    require_hr(actor, "record appointments")
    with transaction.atomic():
        appointment = lock(appointment)
        check_appointment_end(appointment, end_date)
        if appointment.end_date == end_date:
            return appointment
        before = appointment.end_date
        appointment.end_date = end_date
        appointment.save(update_fields=["end_date"])
        record_history(actor=actor, **appointment_ended_history(appointment, before))
    return appointment


# --- Delegation --------------------------------------------------------------------------------


def grant_delegation(*, actor, delegator: Person, delegate: Person, role: str, org_unit: OrgUnit,
                     start_date: dt.date, end_date: dt.date, reason: str = "") -> Delegation:
    """Lend one of the delegator's unit roles to the delegate for a date range.

    The delegator must hold the role for the unit. They grant it themselves, or an
    administrator records it for them.
    """
    me = person_of(actor) if actor is not None else None
    if not can_manage_structure(actor) and (me is None or me.pk != delegator.pk):
        raise PermissionDenied("Only the role holder or an administrator can delegate a role.")
    if role not in UnitRole.values or not UnitRole(role).delegable:
        raise ServiceError("Choose the role to delegate: one of "
                           + ", ".join(UnitRole(r).label for r in DELEGABLE_ROLES) + ".")
    if delegate.pk == delegator.pk:
        raise ServiceError("A role cannot be delegated to the person who holds it.")
    if end_date < start_date:
        raise ServiceError("The delegation cannot end before it starts.")
    if end_date < timezone.localdate():
        raise ServiceError("The delegation would already have ended. Choose an end date from today on.")
    holder = nearest_holder(org_unit, role, on=max(start_date, timezone.localdate()))
    if holder is None or holder.pk != delegator.pk:
        raise ServiceError(f"{delegator} is not the {UnitRole(role).label} of {org_unit}, so cannot delegate it.")
    if not delegate.is_active:
        raise ServiceError(f"{delegate} is no longer active and cannot be a delegate.")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            delegator=delegator, delegate=delegate, role=role, org_unit=org_unit,
            start_date=start_date, end_date=end_date, reason=reason[:300], created_by=actor,
        )
        record_history(actor=actor, action="delegation.granted", obj=delegation, person_id=delegate.pk,
                       summary=f"{delegator} delegated {UnitRole(role).label} of {org_unit} to {delegate} "
                               f"from {start_date:%d %b %Y} to {end_date:%d %b %Y}.",
                       after=snapshot(delegation, ("delegator", "delegate", "role", "org_unit",
                                                   "start_date", "end_date", "reason")))
        notify(recipient=delegate, subject=f"You are {delegator}'s delegate",
               body=f"{delegator} has delegated the {UnitRole(role).label} role for {org_unit} to you "
                    f"from {start_date:%d %b %Y} to {end_date:%d %b %Y}. You cannot act on any matter about "
                    f"yourself.", link=f"/people/delegations/{delegation.pk}/")
    return delegation


def revoke_delegation(*, actor, delegation: Delegation) -> Delegation:
    """End a delegation now. Recorded; the delegate is told."""
    me = person_of(actor) if actor is not None else None
    if not can_manage_structure(actor) and (me is None or me.pk != delegation.delegator_id):
        raise PermissionDenied("Only the person who delegated the role, or an administrator, can revoke it.")
    with transaction.atomic():
        delegation = lock(delegation)
        if delegation.revoked_at is not None:
            raise ServiceError("This delegation has already been revoked.")
        delegation.revoked_at = timezone.now()
        delegation.revoked_by = actor
        delegation.save(update_fields=["revoked_at", "revoked_by"])
        record_history(actor=actor, action="delegation.revoked", obj=delegation, person_id=delegation.delegate_id,
                       summary=f"Revoked the delegation of {delegation.get_role_display()} of "
                               f"{delegation.org_unit} to {delegation.delegate}.")
        notify(recipient=delegation.delegate, subject="A delegation to you has been revoked",
               body=f"You no longer act as {delegation.get_role_display()} of {delegation.org_unit} "
                    f"for {delegation.delegator}.", link=f"/people/delegations/{delegation.pk}/")
    return delegation

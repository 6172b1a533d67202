"""Changes to pay: one function per business verb, each in one transaction with history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import record_history
from gradepath.core.locking import lock
from gradepath.grades.models import Grade, GradeStructure, PayRecord
from gradepath.people import roles
from gradepath.people.models import Appointment, Person, Post
from gradepath.people.relations import person_of


def can_record_pay(actor) -> bool:
    return actor is None or roles.in_group(actor, roles.HR_SERVICES, roles.ADMINISTRATOR)


def record_pay_change(*, actor, person: Person, grade: Grade, spine_point: int, effective_from: dt.date,
                      reason: str, post: Post | None = None, note: str = "") -> PayRecord:
    """Add a line to a person's pay history (HR Services)."""
    if not can_record_pay(actor):
        raise PermissionDenied("Only HR Services can change a person's grade or spine point.")
    me = person_of(actor) if actor is not None else None
    if me is not None and me.pk == person.pk:
        raise PermissionDenied("You cannot record a pay change for yourself: ask a colleague in HR Services.")
    if reason not in PayRecord.Reason.values:
        raise ServiceError("Choose the reason for the pay change.")
    in_force = GradeStructure.objects.in_force(effective_from)
    if in_force is None or in_force.pk != grade.structure_id:
        raise ServiceError(
            f"{grade} of the structure from {grade.structure.effective_from:%d %b %Y} is not in force on "
            f"{effective_from:%d %b %Y}. Choose a grade of the structure in force on that date."
        )
    if spine_point < grade.bottom_point or spine_point > grade.top_point:
        raise ServiceError(
            f"Spine point {spine_point} is not in {grade} (points {grade.bottom_point}–{grade.top_point})."
        )
    with transaction.atomic():
        person = lock(person)
        record = PayRecord.objects.create(person=person, grade=grade, spine_point=spine_point,
                                          effective_from=effective_from, reason=reason, post=post,
                                          note=note[:300], recorded_by=actor)
        record_history(actor=actor, action="pay.recorded", obj=record, person_id=person.pk,
                       summary=f"{person}: {grade}, spine point {spine_point} from {effective_from:%d %b %Y} "
                               f"({record.get_reason_display().lower()}).",
                       after={"grade": str(grade), "spine_point": spine_point,
                              "effective_from": effective_from.isoformat(), "reason": reason})
    return record


def increment_date(pay_year: int) -> dt.date:
    month, day = settings.GRADEPATH["INCREMENT_DAY"]
    return dt.date(pay_year, month, day)


@dataclass
class IncrementReport:
    """What the annual increment run did, person by person."""

    effective_from: dt.date
    incremented: list[tuple[Person, int, int]] = field(default_factory=list)
    skipped: dict[str, list[Person]] = field(default_factory=dict)

    def skip(self, reason: str, person: Person) -> None:
        self.skipped.setdefault(reason, []).append(person)


def apply_annual_increments(*, actor, pay_year: int, dry_run: bool = False) -> IncrementReport:
    """Move everyone eligible up one spine point on 1 August of ``pay_year``.

    Eligible: a current substantive appointment; a grade with increments; below the top of
    the automatic zone; not in probation on the date. Contribution points are never reached
    this way. Running it twice for the same year changes nothing the second time.
    """
    if not can_record_pay(actor):
        raise PermissionDenied("Only HR Services can apply annual increments.")
    on = increment_date(pay_year)
    report = IncrementReport(effective_from=on)
    structure = GradeStructure.objects.in_force(on)
    day_before = on - dt.timedelta(days=1)
    appointed = set(
        Appointment.objects.current(on).filter(kind=Appointment.Kind.SUBSTANTIVE).values_list("person_id", flat=True)
    )
    already = set(
        PayRecord.objects.filter(effective_from=on, reason=PayRecord.Reason.ANNUAL_INCREMENT)
        .values_list("person_id", flat=True)
    )
    people = Person.objects.filter(is_active=True, pk__in=appointed).order_by("last_name", "first_name", "pk")
    latest: dict[int, PayRecord] = {}
    for rec in PayRecord.objects.filter(person_id__in=appointed, effective_from__lte=day_before).select_related(
            "grade").order_by("person_id", "effective_from", "id"):
        latest[rec.person_id] = rec  # last one wins: the record in force the day before
    for person in people:
        if person.pk in already:
            report.skip("already incremented for this date", person)
            continue
        current = latest.get(person.pk)
        if current is None:
            report.skip("no pay record before the date", person)
            continue
        if PayRecord.objects.filter(person=person, effective_from=on).exists():
            report.skip("another pay change on the same date", person)
            continue
        grade = current.grade
        if grade.structure_id != (structure.pk if structure else None):
            report.skip("grade not in the structure in force on the date", person)
            continue
        if not grade.has_increments:
            report.skip(f"{grade} has no increments", person)
            continue
        if person.in_probation(on):
            report.skip("in probation", person)
            continue
        if current.spine_point >= grade.top_automatic_point:
            report.skip("at or above the top of the automatic zone", person)
            continue
        new_point = current.spine_point + 1
        report.incremented.append((person, current.spine_point, new_point))
        if dry_run:
            continue
        try:
            with transaction.atomic():
                locked = lock(person)
                record = PayRecord.objects.create(person=locked, grade=grade, spine_point=new_point,
                                                  effective_from=on, reason=PayRecord.Reason.ANNUAL_INCREMENT,
                                                  post=current.post, recorded_by=actor)
                record_history(actor=actor, action="pay.annual_increment", obj=record, person_id=person.pk,
                               summary=f"Annual increment for {person}: spine point {current.spine_point} → "
                                       f"{new_point} from {on:%d %b %Y}.",
                               before={"spine_point": current.spine_point}, after={"spine_point": new_point})
        except IntegrityError:
            # Another run got there first (the unique constraint): nothing to do.
            report.incremented.pop()
            report.skip("already incremented for this date", person)
    return report

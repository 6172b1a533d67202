import datetime as dt

import pytest

from gradepath.grades.models import Grade, PayRecord
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory


@pytest.fixture
def on_point(personas):
    """``on_point(grade_number, point, **person_fields)``: a new person with a current substantive
    appointment in Biosciences and a pay record on that grade and spine point since 2022."""

    def _make(grade_number: int, point: int, *, kind: str = "substantive", record_from=dt.date(2022, 9, 1),
              **person_fields):
        grade = Grade.objects.get(structure__effective_from=dt.date(2020, 8, 1), number=grade_number)
        person = PersonFactory(**person_fields)
        post = PostFactory(org_unit=personas.department, grade=grade)
        AppointmentFactory(person=person, post=post, kind=kind, start_date=dt.date(2022, 9, 1),
                           end_date=None if kind == "substantive" else dt.date(2027, 8, 31))
        if record_from is not None:
            PayRecord.objects.create(person=person, grade=grade, spine_point=point, effective_from=record_from,
                                     reason=PayRecord.Reason.APPOINTMENT, post=post)
        return person

    return _make

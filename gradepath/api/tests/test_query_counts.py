"""List endpoints run a fixed number of queries, however many rows they return."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradepath.grades.models import Grade, PayRecord
from gradepath.people.models import Delegation, OrgUnit
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_rows(personas, n: int) -> None:
    grade = Grade.objects.get(number=5)
    today = timezone.localdate()
    for i in range(n):
        unit = OrgUnitFactory(kind=OrgUnit.Kind.DEPARTMENT, parent=personas.faculty, fm_hps=personas.fm_hps,
                              hrbp=personas.hrbp)
        person = PersonFactory(line_manager=personas.line_manager)
        AppointmentFactory(person=person, post=PostFactory(org_unit=unit))
        Delegation.objects.create(delegator=personas.fm_hps, delegate=person, role="fm_hps", org_unit=unit,
                                  start_date=today, end_date=today + dt.timedelta(days=5))
        PayRecord.objects.create(person=personas.staff_member, grade=grade, spine_point=16 + i % 5,
                                 effective_from=dt.date(2023, 1, 1) + dt.timedelta(days=i),
                                 reason=PayRecord.Reason.CORRECTION)


@pytest.mark.parametrize("url_name", ["api:person-list", "api:org-unit-list", "api:delegation-list",
                                      "api:person-pay-history"])
def test_list_endpoint_query_count_does_not_grow_with_rows(personas, api, url_name):
    client = api(personas.fm_hps)
    url = reverse(url_name, args=[personas.staff_member.pk] if url_name == "api:person-pay-history" else [])
    _add_rows(personas, 2)
    few = _queries(client, url)
    _add_rows(personas, 10)
    many = _queries(client, url)
    assert many == few
    assert few <= 15  # session, user, groups, the access gate, the page and its count

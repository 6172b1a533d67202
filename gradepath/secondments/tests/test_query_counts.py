"""Query counts pinned at two data sizes on every list: the board, the applications list, an opportunity's
applications, the register, My home's panel, the career entries and the API lists ask the database the
same number of times for two records as for eight."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gradepath.grades.models import Grade
from gradepath.secondments.models import RedeploymentEntry
from gradepath.secondments.services import career_entries
from gradepath.secondments.tests.conftest import make_opportunity, make_person, make_secondment
from gradepath.testing.factories import AppointmentFactory, PostFactory

pytestmark = pytest.mark.django_db

STATES = ("applied", "selected", "confirmed", "placed", "returned", "withdrawn", "released", "extension_review")


def grow(p, size: int) -> None:
    """``size`` opportunities, each with an application by a different member of staff in another state,
    and ``size`` people on the register."""
    grade5 = Grade.objects.get(number=5)
    have = p.__dict__.setdefault("grown", 0)
    for i in range(have, size):
        person = make_person(f"q.person{i}", "Quinn", f"Person{i}", line_manager=p.line_manager)
        AppointmentFactory(person=person, post=PostFactory(post_number=f"BIO-9{i:03d}", org_unit=p.department,
                                                           title="Research Technician", grade=grade5),
                           start_date=dt.date(2022, 1, 3))
        make_secondment(p, STATES[i % len(STATES)], applicant=person, opportunity=make_opportunity(p))
        RedeploymentEntry.objects.create(person=person)
    p.grown = size


def count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


PAGES = {
    "board": ("hr_services", "/secondments/"),
    "board as host": ("host", "/secondments/"),
    "applications": ("line_manager", "/secondments/applications/"),
    "applications as HR": ("hr_services", "/secondments/applications/"),
    "register": ("hr_services", "/secondments/register/"),
    "my home": ("host", "/"),
    "api opportunities": ("staff_member", "/api/secondments/opportunities/"),
    "api secondments": ("fm_hps", "/api/secondments/"),
    "api register": ("hr_services", "/api/secondments/register/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_list_asks_the_database_the_same_number_of_times_for_two_records_as_for_eight(sec, name):
    p = sec
    who, url = PAGES[name]
    client = client_for(getattr(p, who))

    def get():
        response = client.get(url)
        assert response.status_code == 200

    grow(p, 2)
    get()  # warm (content types, session)
    small = count(get)
    grow(p, 8)
    assert count(get) == small, f"{name}: more queries with more rows"


def test_an_opportunitys_applications_and_the_career_entries_do_not_grow_with_their_rows(sec):
    p = sec
    opportunity = make_opportunity(p)
    client = client_for(p.host)

    def add(n):
        grade5 = Grade.objects.get(number=5)
        for i in range(n):
            person = make_person(f"a.person{opportunity.applications.count()}", "Ash", f"P{i}",
                                 line_manager=p.line_manager)
            AppointmentFactory(person=person, post=PostFactory(org_unit=p.department, grade=grade5),
                               start_date=dt.date(2022, 1, 3))
            make_secondment(p, "applied", applicant=person, opportunity=opportunity)

    add(2)
    client.get(f"/secondments/opportunities/{opportunity.pk}/")
    small = count(lambda: client.get(f"/secondments/opportunities/{opportunity.pk}/"))
    add(6)
    assert count(lambda: client.get(f"/secondments/opportunities/{opportunity.pk}/")) == small
    for _ in range(2):
        make_secondment(p, "returned", opportunity=make_opportunity(p))
    career_entries(p.staff_member, p.line_manager.user)  # warm (the reader's reports and units are cached)
    small = count(lambda: career_entries(p.staff_member, p.line_manager.user))
    for _ in range(4):
        make_secondment(p, "returned", opportunity=make_opportunity(p))
    assert count(lambda: career_entries(p.staff_member, p.line_manager.user)) == small

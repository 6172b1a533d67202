"""The career record reads a fixed number of queries whatever its length: the page, the API and the PDF
at three and at thirty pay lines, appointments and grading cases; each source reads at most a couple."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradepath.career.selectors import career_record
from gradepath.career.sources import career_sources
from gradepath.career.tests.conftest import add_appointments, add_closed_cases, add_pay_lines
from gradepath.grading.career import case_entries
from gradepath.people import roles
from gradepath.people.relations import person_of, report_ids, scope_unit_ids

pytestmark = pytest.mark.django_db

# Every source registered when the apps are ready (the tests' own fixture keeps only grading's).
REGISTERED_SOURCES = career_sources()
SOURCE_QUERIES = 2  # "one or two" (career.sources), once the reader's relations are known


def know_the_reader(user) -> None:
    """What people caches about a reader for the request (their person, groups, reports and units): every
    gate of the request shares it, so a source's own queries are counted without it."""
    me = person_of(user)
    roles.group_names(user)
    if me is not None:
        report_ids(me)
        scope_unit_ids(me)


def count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def grow(p, extra: int) -> None:
    add_pay_lines(p, extra)
    add_appointments(p, extra)
    add_closed_cases(p, extra)


@pytest.mark.parametrize("reader", ["staff_member", "line_manager", "hrbp", "hr_services"])
def test_the_page_reads_as_many_queries_for_thirty_lines_as_for_three(career, client, reader):
    client.force_login(getattr(career, reader).user)
    url = reverse("career:record", args=[career.staff_member.pk])
    client.get(url)  # warm: content types, the session
    small = count(lambda: client.get(url))
    grow(career, 27)
    response = client.get(url)
    assert response.content.decode().count('data-testid="pay-line"') == 30
    assert response.content.decode().count('data-testid="career-entry"') == 28
    assert count(lambda: client.get(url)) == small


def test_the_api_and_the_pdf_read_as_many_queries_for_thirty_lines_as_for_three(career, client):
    client.force_login(career.line_manager.user)
    urls = [reverse("api:person-career", args=[career.staff_member.pk]),
            reverse("career:record-pdf", args=[career.staff_member.pk])]
    for url in urls:
        client.get(url)
    small = [count(lambda u=url: client.get(u)) for url in urls]
    grow(career, 27)
    assert [count(lambda u=url: client.get(u)) for url in urls] == small


def test_the_record_itself_reads_two_queries_for_pay_two_for_appointments_and_grading_its_own(career):
    grow(career, 27)
    user = career.hr_services.user
    person_of(user)
    assert count(lambda: case_entries(career.staff_member, user)) == 3  # the gate's groups, cases, openable
    assert count(lambda: career_record(career.staff_member, user)) == 2 + 2 + 2  # groups now cached


def test_grading_reads_at_most_a_couple_of_queries_for_any_number_of_cases(career):
    user = career.line_manager.user
    know_the_reader(user)
    small = count(lambda: case_entries(career.staff_member, user))
    add_closed_cases(career, 27)
    assert len(case_entries(career.staff_member, user)) == 28
    assert count(lambda: case_entries(career.staff_member, user)) == small <= 2


@pytest.mark.parametrize("source", REGISTERED_SOURCES, ids=lambda s: s.key)
def test_every_registered_source_reads_at_most_a_couple_of_queries(career, source):
    for reader in (career.staff_member, career.line_manager, career.hr_services):
        user = reader.user
        know_the_reader(user)
        assert count(lambda u=user: source.entries(career.staff_member, u)) <= SOURCE_QUERIES, reader


def test_every_registered_source_has_its_section_on_the_page_the_pdf_and_the_api(career, client):
    from gradepath.career.sources import SLOT
    from gradepath.core.registry import register

    for source in REGISTERED_SOURCES:
        register(SLOT, source)  # every process's, as the apps registered them (the fixture restores the slot)
    client.force_login(career.hr_services.user)
    html = client.get(reverse("career:record", args=[career.staff_member.pk])).content.decode()
    for source in REGISTERED_SOURCES:
        assert f'data-section="{source.key}"' in html and source.label in html, source.key
    assert client.get(reverse("career:record-pdf", args=[career.staff_member.pk])).status_code == 200
    body = client.get(reverse("api:person-career", args=[career.staff_member.pk])).json()
    assert [s["key"] for s in body["sections"]] == [s.key for s in REGISTERED_SOURCES]

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_member_of_staff_can_read_the_pay_scales(personas, login):
    page = login(personas.outsider).get(reverse("grades:structure"), {"on": "2025-09-01"}).content.decode()
    assert "Grade 10" in page and "no annual increments" in page
    assert "£" in page


def test_a_bad_date_gets_a_message_not_an_error(personas, login):
    response = login(personas.staff_member).get(reverse("grades:structure"), {"on": "31/02/2025"})
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_a_date_before_any_structure_says_so(personas, login):
    page = login(personas.staff_member).get(reverse("grades:structure"), {"on": "1990-01-01"}).content.decode()
    assert "No grade structure is in force" in page


def test_pay_scale_page_query_count_is_fixed(personas, login, django_assert_max_num_queries):
    client = login(personas.staff_member)
    with django_assert_max_num_queries(10):
        client.get(reverse("grades:structure"))

"""Pages and API answers to a signed-in user are never cached (issue 11, item 6).

They carry personal and pay data, so every response to a signed-in user says
``Cache-Control: no-store, private`` unless the view set its own caching; static files
(WhiteNoise answers them before this middleware) and the health check are unaffected.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from gradepath.core.middleware import NoStoreMiddleware

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_a_person_page_for_a_signed_in_user_is_not_stored(personas, login):
    response = login(personas.hr_services).get(reverse("people:person-detail", args=[personas.staff_member.pk]))
    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_an_api_answer_with_pay_data_is_not_stored(personas, client):
    client.force_login(personas.hr_services.user)
    response = client.get(reverse("api:person-pay-history", args=[personas.staff_member.pk]))
    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_an_error_answer_to_a_signed_in_user_is_not_stored_either(personas, client):
    client.force_login(personas.outsider.user)
    response = client.get(reverse("api:person-detail", args=[personas.staff_member.pk]))
    assert response.status_code == 404
    assert {"no-store", "private"} <= directives(response)


def test_the_health_check_keeps_its_own_caching(personas, client):
    client.force_login(personas.staff_member.user)
    response = client.get("/healthz")
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_a_response_that_sets_its_own_caching_is_left_alone(personas):
    def view(request):
        response = HttpResponse("static-like")
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    request = RequestFactory().get("/anything")
    request.user = personas.staff_member.user
    response = NoStoreMiddleware(view)(request)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_static_files_are_answered_before_the_no_store_middleware(settings):
    # WhiteNoise answers /static/ itself, with its long-lived caching, and never calls what follows.
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "gradepath.core.middleware.NoStoreMiddleware")

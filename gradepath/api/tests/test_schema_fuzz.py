"""A bounded schemathesis run over the whole OpenAPI schema: no request makes a server error.

Every operation of the document ``/api/schema/`` serves is called in-process through the Django
WSGI application, signed in as two personas (a staff member and an HRBP), with valid
and invalid input (NUL characters included), a fixed seed and a bounded number of examples, so
the run is the same every time and takes about a minute (issue 11, item 2). Only server errors
fail it: a 4xx with a message is the right answer to bad input.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.throttling import UserRateThrottle

from gradepath.grades.models import Grade
from gradepath.grading import services as grading_services
from gradepath.jobs import services as jd_services
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db

SEED = 20261206
MAX_EXAMPLES = 12  # fuzzing examples per operation, besides the examples and coverage phases
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "allow-x00": True,
                   "database": "none"},
    "phases": {"stateful": {"enabled": False}},
})


@pytest.fixture(autouse=True)
def _in_process_requests_share_the_test_transaction():
    # A WSGI request ends with close_old_connections, which would drop the connection holding this
    # test's transaction (Django's test client disconnects it the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # Hundreds of requests a minute from one persona are the point here, not abuse.
    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture(params=["staff_member", "hrbp"])
def signed_in_app(request, personas):
    """The Django WSGI application, with every request signed in as the persona (session cookie
    and CSRF token added to the environ: werkzeug's test client keeps its own cookie jar)."""
    user = getattr(personas, request.param).user
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    csrf = "fuzz" * 8  # 32 letters: an unmasked CSRF secret, as the cookie and the header
    django_app = get_wsgi_application()

    def app(environ, start_response):
        environ["HTTP_COOKIE"] = f"sessionid={session.session_key}; csrftoken={csrf}"
        environ["HTTP_X_CSRFTOKEN"] = csrf
        return django_app(environ, start_response)

    return app


def _openapi_document() -> dict:
    """The OpenAPI document /api/schema/ serves, built the same way without a request (the test
    below checks they are the same), so the operations are known when pytest collects."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG)


def test_the_fuzzed_schema_is_the_one_the_api_serves(personas, client):
    client.force_login(personas.staff_member.user)
    assert client.get("/api/schema/?format=json").json() == _openapi_document()


@pytest.fixture
def known_ids(personas) -> dict[str, list[int]]:
    """Ids of real records for each kind of path and body field, so that generated requests reach
    past the 404 of a missing record: a JD with an agreed version and a new draft, the staff
    member's Direct Route case, and the personas' people, units and delegation."""
    version = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Research Technician", purpose="To provide technical support to the research groups.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment."])
    jd_services.submit_version(actor=None, version=version)
    agreed = jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    draft = jd_services.start_new_draft(actor=personas.line_manager.user, version=version)
    case = grading_services.start_direct_route_case(actor=personas.staff_member.user, subject=personas.staff_member)
    people = [p.pk for p in (personas.staff_member, personas.line_manager, personas.hrbp, personas.fm_hps,
                             personas.outsider)]
    return {
        "/api/people/": people, "subject": people, "delegate": people, "delegator": people, "line_manager": people,
        "/api/org-units/": [personas.faculty.pk, personas.department.pk, personas.estates.pk],
        "org_unit": [personas.department.pk],
        "/api/delegations/": [personas.delegation.pk],
        "/api/jds/": [version.jd_id],
        "/api/jd-versions/": [version.pk, draft.pk], "jd_version": [draft.pk],
        "/api/library/": [agreed.pk], "agreed_jd": [agreed.pk],
        "/api/grading/cases/": [case.pk],
    }


def _steer(value, ids: list[int]):
    """Most generated ids become a real record's; one in len(ids) + 1 stays as generated."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value % (len(ids) + 1) < len(ids):
        return ids[value % (len(ids) + 1)]
    return value


def _point_at_real_records(case, known_ids: dict[str, list[int]]) -> None:
    prefix = next((p for p in known_ids if p.startswith("/") and case.path.startswith(p)), None)
    if prefix is not None and case.path_parameters and "id" in case.path_parameters:  # the schema's name for pk
        case.path_parameters["id"] = _steer(case.path_parameters["id"], known_ids[prefix])
    if isinstance(case.body, dict):
        for field, ids in known_ids.items():
            if field in case.body:
                case.body[field] = _steer(case.body[field], ids)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_request_to_the_api_makes_a_server_error(case, signed_in_app, known_ids):
    _point_at_real_records(case, known_ids)
    response = case.call(app=signed_in_app)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}.\n"
        f"Reproduce with: {case.as_curl_command()}")

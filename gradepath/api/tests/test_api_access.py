"""Every API endpoint: anonymous callers get 401; outsiders get 404 on every object endpoint."""

import json

import pytest
import yaml
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = ["api:person-list", "api:org-unit-list", "api:delegation-list", "api:schema"]


def _object_urls(personas):
    """(method, url) for every endpoint about one object, pointed at records the outsider has no part in."""
    person, unit, delegation = personas.staff_member.pk, personas.faculty.pk, personas.delegation.pk
    return [
        ("get", reverse("api:person-detail", args=[person])),
        ("patch", reverse("api:person-update", args=[person])),
        ("get", reverse("api:person-pay-history", args=[person])),
        ("get", reverse("api:org-unit-detail", args=[unit])),
        ("get", reverse("api:delegation-detail", args=[delegation])),
        ("post", reverse("api:delegation-revoke", args=[delegation])),
    ]


def test_every_object_endpoint_answers_outsiders_404(personas, api):
    client = api(personas.outsider)
    for method, url in _object_urls(personas):
        response = getattr(client, method)(url, {"known_as": "X"} if method == "patch" else None, format="json")
        assert response.status_code == 404, url
        assert "Sam" not in response.content.decode()


def test_object_endpoints_answer_404_for_ids_that_do_not_exist(personas, api):
    client = api(personas.administrator)
    for name in ("api:person-detail", "api:person-pay-history", "api:org-unit-detail", "api:delegation-detail"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name


def test_anonymous_callers_get_401_json_everywhere(personas, api):
    client = api(None)
    urls = [("get", reverse(name)) for name in LIST_ENDPOINTS] + _object_urls(personas)
    urls += [("post", reverse("api:delegation-create"))]
    for method, url in urls:
        response = getattr(client, method)(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 401, url
        assert json.loads(response.content) == {"detail": "Authentication credentials were not provided."}


def test_anonymous_callers_get_401_from_the_docs_page(client):
    assert client.get(reverse("api:docs")).status_code == 401
    assert client.get(reverse("api:docs") + "?script=").status_code == 401


def test_schema_is_openapi_3_with_every_endpoint(personas, api):
    response = api(personas.staff_member).get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Gradepath API"
    assert {
        "/api/people/", "/api/people/{id}/", "/api/people/{id}/update/", "/api/people/{id}/pay-history/",
        "/api/org-units/", "/api/org-units/{id}/", "/api/delegations/", "/api/delegations/create/",
        "/api/delegations/{id}/", "/api/delegations/{id}/revoke/",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/people/{id}/update/"]) == {"patch"}
    for ref in json.dumps(schema).split('"$ref": "')[1:]:
        name = ref.split('"')[0].rsplit("/", 1)[-1]
        assert name in schema["components"]["schemas"], name


def test_schema_as_json(personas, api):
    response = api(personas.staff_member).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_schema_has_no_generation_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, str(GENERATOR_STATS)


def test_docs_page_has_no_inline_script_or_style(personas, client):
    client.force_login(personas.staff_member.user)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert "style=" not in html
    for tag in html.split("<script")[1:]:
        assert tag.lstrip().startswith("src="), tag[:80]
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_every_process_lists_its_moves_and_open_tasks_with_the_same_fields(personas, api):
    schema = yaml.safe_load(api(personas.staff_member).get(reverse("api:schema")).content)
    components = schema["components"]["schemas"]
    details = {"GradingCase": "GradingCaseDetail", "Appraisal": "AppraisalDetail",
               "Progression": "ProgressionRequestDetail", "Secondment": "SecondmentDetail",
               "Allowance": "AllowanceDetail"}
    for prefix, detail in details.items():
        properties = components[detail]["properties"]
        assert properties["events"]["items"]["$ref"].endswith(f"/{prefix}Event"), detail
        assert properties["open_tasks"]["items"]["$ref"].endswith(f"/{prefix}Task"), detail
        assert set(components[f"{prefix}Event"]["properties"]) == {
            "step", "action", "label", "actor", "capacity", "from_state", "to_state", "reason", "created_at"}, prefix
        assert set(components[f"{prefix}Task"]["properties"]) == {
            "role", "role_label", "assignee", "capacity", "description", "due_date"}, prefix

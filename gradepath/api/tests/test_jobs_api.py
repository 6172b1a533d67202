import pytest

from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import JDVersion
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas):
    return services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Research Technician", area="Laboratory operations",
        purpose="To support the research groups.", duties=["Prepare solutions.", "Maintain equipment."],
    )


def test_outsider_gets_404_on_every_jd_endpoint(personas, api, draft):
    client = api(personas.outsider)
    for url in (f"/api/jds/{draft.jd.pk}/", f"/api/jds/{draft.jd.pk}/compare/?old=1&new=1",
                f"/api/jd-versions/{draft.pk}/", f"/api/jd-versions/{draft.pk}/matches/"):
        assert client.get(url).status_code == 404, url
    assert client.patch(f"/api/jd-versions/{draft.pk}/save/", {"revision": 1, "purpose": "x"},
                        format="json").status_code == 404
    assert client.post(f"/api/jd-versions/{draft.pk}/submit/").status_code == 404
    assert draft.jd.pk not in [jd["id"] for jd in client.get("/api/jds/").json()["results"]]


def test_anonymous_gets_401(api, draft):
    assert api(None).get("/api/jds/").status_code == 401


def test_save_submit_and_compare_through_the_api(personas, api, draft):
    client = api(personas.line_manager)
    response = client.patch(f"/api/jd-versions/{draft.pk}/save/",
                            {"revision": 1, "purpose": "To lead support.", "duties": ["Order stock."], "grade": 5},
                            format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 2 and response.json()["grade"] == 5
    stale = client.patch(f"/api/jd-versions/{draft.pk}/save/", {"revision": 1, "purpose": "Old copy."},
                         format="json")
    assert stale.status_code == 409
    assert client.post(f"/api/jd-versions/{draft.pk}/submit/").json()["status"] == "submitted"
    new = client.post(f"/api/jd-versions/{draft.pk}/new-draft/").json()
    client.patch(f"/api/jd-versions/{new['id']}/save/", {"revision": new["revision"], "purpose": "To lead all support."},
                 format="json")
    comparison = client.get(f"/api/jds/{draft.jd.pk}/compare/?old=1&new=2").json()
    purpose = next(s for s in comparison["sections"] if s["section"] == "purpose")
    assert {"kind": "insert", "text": "all "} in [{"kind": o["kind"], "text": o["text"]} for o in purpose["ops"]]


def test_overlong_text_gets_400_with_the_message(personas, api, draft):
    response = api(personas.line_manager).patch(f"/api/jd-versions/{draft.pk}/save/",
                                                {"revision": 1, "purpose": "x" * 10_001}, format="json")
    assert response.status_code == 400 and "limit is 10,000" in str(response.json())
    draft.refresh_from_db()
    assert draft.revision == 1


def test_library_search_matches_and_record_a_match(personas, api, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    agreed = services.log_agreed_jd(actor=personas.hrbp.user, version=draft, grade=Grade.objects.get(number=5))
    copy = services.copy_and_adapt(actor=personas.line_manager.user, version=draft, org_unit=personas.department)
    client = api(personas.line_manager)
    assert [e["reference"] for e in client.get("/api/library/?q=equipment").json()["results"]] == [agreed.reference]
    assert client.get("/api/library/?grade=6").json()["count"] == 0
    matches = client.get(f"/api/jd-versions/{copy.pk}/matches/").json()
    assert matches["matches"][0]["reference"] == agreed.reference
    assert set(matches["suggestion"]) >= {"grade", "confidence", "confident", "message"}
    response = client.post(f"/api/jd-versions/{copy.pk}/match/", {"agreed_jd": agreed.pk, "reason": "Same job."},
                           format="json")
    assert response.status_code == 201
    assert JDVersion.objects.get(pk=copy.pk).match_decisions.get().agreed_jd == agreed

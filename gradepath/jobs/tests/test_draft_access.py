"""Drafts and proposals are for the people working on them; agreed versions are for everyone.

Issue 11 item 3: once one version of a JD was in the agreed library, every version was readable
by every signed-in user, so anyone could read the proposal of someone else's open Direct Route
case (page, API, .docx, PDF, compare, fairness, match) and the JD's history named who was
seeking a regrade. The gate now works per version (``jobs.permissions.visible_versions``).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade
from gradepath.grading import services as grading
from gradepath.jobs import services
from gradepath.jobs.models import JDVersion
from gradepath.jobs.permissions import (
    can_read_jd_in_full,
    get_jd_for_user,
    jd_timeline_for_user,
    versions_for_user,
    visible_jds,
    visible_versions,
)
from gradepath.people.services import update_post
from gradepath.testing.factories import (
    AppointmentFactory,
    JobFamilyFactory,
    PersonFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROPOSAL_DUTY = "Supervise the two apprentice technicians and plan their training."


@pytest.fixture
def case(personas):
    """Sam Patel's open Direct Route case: his post holds agreed v1 of its JD alone, so his
    proposal is v2 of the same JD (a draft he has written into)."""
    version = services.create_job_description(
        actor=None, org_unit=personas.department, job_family=JobFamilyFactory(), staff_category="technical",
        job_title="Research Technician", area="Laboratory operations",
        purpose="To provide technical support to the research groups of the division.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment."],
    )
    services.submit_version(actor=None, version=version)
    personas.agreed = services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    case = grading.start_direct_route_case(actor=personas.staff_member.user, subject=personas.staff_member)
    proposal = case.proposed_version
    assert proposal.jd_id == version.jd_id and proposal.number == 2
    services.save_draft(actor=personas.staff_member.user, version=proposal, base_revision=proposal.revision,
                        changes={"duties": [*version.duties, PROPOSAL_DUTY]})
    return case


def _submit(personas, case) -> JDVersion:
    case = grading.perform_action(actor=personas.line_manager.user, case=case, action="record_discussion",
                                  step=case.step, data={"reason": "Discussed on 3 March."})
    case = grading.perform_action(actor=personas.staff_member.user, case=case, action="submit_proposal",
                                  step=case.step, data={"recommended_grade": 6})
    proposal = JDVersion.objects.get(pk=case.proposed_version_id)
    assert proposal.status == JDVersion.Status.SUBMITTED
    return proposal


def _urls(version: JDVersion) -> dict[str, str]:
    return {
        "page": reverse("jobs:version-detail", args=[version.pk]),
        "docx": reverse("jobs:version-docx", args=[version.pk]),
        "pdf": reverse("jobs:version-pdf", args=[version.pk]),
        "fairness": reverse("jobs:version-fairness", args=[version.pk]),
        "match": reverse("jobs:version-match", args=[version.pk]),
        "copy": reverse("jobs:version-copy", args=[version.pk]),
        "api": f"/api/jd-versions/{version.pk}/",
        "api matches": f"/api/jd-versions/{version.pk}/matches/",
    }


def _other_staff_member(personas):
    """A colleague in the same department with no role and no relation to the case."""
    person = PersonFactory(user=UserFactory(username="ria.colleague"), first_name="Ria", last_name="Colleague",
                           line_manager=personas.line_manager)
    AppointmentFactory(person=person, post=PostFactory(org_unit=personas.department, title="Laboratory Assistant"))
    return person


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_an_unrelated_member_of_staff_gets_404_for_someone_elses_proposal(personas, client, case, submitted):
    proposal = _submit(personas, case) if submitted else case.proposed_version
    for person in (personas.outsider, _other_staff_member(personas)):
        client.force_login(person.user)
        for name, url in _urls(proposal).items():
            assert client.get(url).status_code == 404, (person, name)
        jd = proposal.jd_id
        assert client.get(reverse("jobs:compare-docx", args=[jd]), {"old": 1, "new": 2}).status_code == 404
        assert client.get(f"/api/jds/{jd}/compare/", {"old": 1, "new": 2}).status_code == 404
        compare = client.get(reverse("jobs:compare", args=[jd]), {"old": 1, "new": 2})
        assert compare.status_code == 200 and PROPOSAL_DUTY not in compare.content.decode()
        assert [v.number for v in compare.context["versions"]] == [1]


def test_an_unrelated_member_of_staff_still_reads_the_agreed_version(personas, login, case):
    agreed = personas.agreed.version
    client = login(personas.outsider)
    for name, url in _urls(agreed).items():
        assert client.get(url).status_code == 200, name
    assert client.get(reverse("jobs:compare", args=[agreed.jd_id])).status_code == 200
    assert client.get(f"/api/jds/{agreed.jd_id}/compare/", {"old": 1, "new": 1}).status_code == 200
    assert client.get(reverse("jobs:library-detail", args=[personas.agreed.pk])).status_code == 200


def test_the_jd_page_shows_only_the_agreed_versions_and_no_one_seeking_a_regrade(personas, login, case):
    proposal = _submit(personas, case)
    response = login(personas.outsider).get(reverse("jobs:jd-detail", args=[case.jd_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert [v.number for v in response.context["versions"]] == [1]
    assert [e.action for e in response.context["timeline"]] == ["jd.agreed_logged"]
    # Words, not substrings: the page's random CSRF token may hold "v2" or "Patel" by chance.
    assert PROPOSAL_DUTY not in body
    assert not re.search(r"\bPatel\b", body) and not re.search(r"\bv2\b", body)
    assert reverse("jobs:version-detail", args=[proposal.pk]) not in body
    assert 'data-testid="agreed-only"' in body


def test_the_api_shows_only_the_agreed_versions_of_the_jd(personas, login, case):
    _submit(personas, case)
    client = login(personas.outsider)
    detail = client.get(f"/api/jds/{case.jd_id}/").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    listed = next(jd for jd in client.get("/api/jds/").json()["results"] if jd["id"] == case.jd_id)
    assert listed["latest_number"] == 1 and listed["latest_status"] == "agreed"


def test_the_jd_list_neither_shows_nor_finds_a_proposal_title(personas, login, case):
    proposal = case.proposed_version
    services.save_draft(actor=personas.staff_member.user, version=proposal, base_revision=2,
                        changes={"job_title": "Senior Research Technician (Apprentices)"})
    client = login(personas.outsider)
    rows = {jd.pk: jd for jd in client.get(reverse("jobs:jd-list")).context["page"].object_list}
    assert rows[case.jd_id].latest_title == "Research Technician" and rows[case.jd_id].version_count == 1
    assert not client.get(reverse("jobs:jd-list"), {"q": "Apprentices"}).context["page"].object_list
    assert not client.get("/api/jds/", {"q": "Apprentices"}).json()["results"]
    owner = login(personas.staff_member)
    assert [jd.pk for jd in owner.get(reverse("jobs:jd-list"), {"q": "Apprentices"}).context["page"]] == [case.jd_id]


def test_the_people_working_on_the_case_read_every_version_and_the_whole_history(personas, case):
    proposal = _submit(personas, case)
    for person in (personas.staff_member, personas.line_manager, personas.fm_hps, personas.delegate, personas.hod,
                   personas.hrbp, personas.hr_services, personas.administrator):
        user = person.user
        jd = get_jd_for_user(user, case.jd_id)
        assert can_read_jd_in_full(user, jd), person
        assert set(versions_for_user(user, jd).values_list("number", flat=True)) == {1, 2}, person
        assert visible_versions(user).filter(pk=proposal.pk).exists(), person
        assert jd_timeline_for_user(user, jd).filter(action="jd.draft_saved").exists(), person


def test_the_jd_drafted_for_a_post_is_read_by_its_holder_and_line_manager_only(personas, case):
    """A post sharing its JD gets its own copy for the case (``for_post``): before it is agreed,
    nobody else reaches it, not even through the agreed JD it was copied from."""
    copy = services.copy_and_adapt(actor=None, version=personas.agreed.version, org_unit=personas.department,
                                   for_post=personas.staff_post)
    for person in (personas.staff_member, personas.line_manager):
        assert visible_versions(person.user).filter(pk=copy.pk).exists()
    assert not visible_versions(personas.outsider.user).filter(pk=copy.pk).exists()
    assert not visible_jds(personas.outsider.user).filter(pk=copy.jd_id).exists()


def test_once_the_proposal_is_agreed_everyone_reads_it(personas, case):
    proposal = _submit(personas, case)
    services.log_agreed_jd(actor=personas.hrbp.user, version=proposal, grade=Grade.objects.get(number=6))
    outsider = personas.outsider.user
    jd = get_jd_for_user(outsider, case.jd_id)
    assert set(versions_for_user(outsider, jd).values_list("number", flat=True)) == {1, 2}
    assert set(jd_timeline_for_user(outsider, jd).values_list("action", flat=True)) == {"jd.agreed_logged"}
    assert HistoryEntry.objects.filter(object_id=str(jd.pk), action="jd.draft_saved").exists()


def test_a_line_manager_cannot_compare_a_proposal_on_a_jd_they_do_not_manage(personas, login, case):
    """The line manager of someone else (not of the post's holder) is an outsider to the case."""
    other_manager = PersonFactory(user=UserFactory(username="max.other"), first_name="Max", last_name="Other")
    PersonFactory(user=UserFactory(username="zoe.report"), line_manager=other_manager)
    client = login(other_manager)
    assert client.get(reverse("jobs:version-detail", args=[case.proposed_version_id])).status_code == 404

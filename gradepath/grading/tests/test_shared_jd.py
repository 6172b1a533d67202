"""Posts that share one JD version (policy §3.5: "which is why a regrade has knock-on effects").

A regrading case on one of them amends its own copy of the JD, so one holder's proposal never
changes the others' JD or cases; the HRBP may regrade the other posts with it at the fairness
step, and HR Services processing then updates every affected post and holder in one transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.forms import ActionForm
from gradepath.grading.tests.conftest import grade_on
from gradepath.grading.tests.test_workflow_matrix import act
from gradepath.jobs.models import JDVersion
from gradepath.jobs.permissions import can_edit_jd
from gradepath.jobs.services import save_draft
from gradepath.notifications.models import Notification
from gradepath.testing.factories import AppointmentFactory, PostFactory
from gradepath.testing.personas import _person

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(grading):
    """A second Research Technician (Rosa) on another post holding the same JD version as Sam's."""
    p = grading
    p.staff_post.refresh_from_db()
    p.colleague = _person("rosa.khan", "Rosa", "Khan", line_manager=p.line_manager)
    p.colleague_post = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician",
                                   grade=Grade.objects.get(number=5), jd_version=p.staff_post.jd_version)
    AppointmentFactory(person=p.colleague, post=p.colleague_post, start_date=dt.date(2022, 1, 10))
    PayRecord.objects.create(person=p.colleague, grade=Grade.objects.get(number=5), spine_point=19,
                             effective_from=dt.date(2022, 1, 10), reason=PayRecord.Reason.APPOINTMENT,
                             post=p.colleague_post)
    return p


def _to_fairness(p, case):
    """Direct Route from the discussion to the HRBP's fairness step, proposing grade 6."""
    case = act(case, p.line_manager, "record_discussion", reason="Discussed on 3 March.")
    save_draft(actor=p.staff_member.user, version=case.proposed_version, base_revision=case.proposed_version.revision,
               changes={"duties": ["Supervise two technicians.", "Prepare reagents and solutions.", "Order stock."]})
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.fm_hps, "record_grade_agreement")
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    assert case.state == "fairness"
    return case


def test_a_post_holding_its_jd_alone_amends_that_jd(grading):
    p = grading
    p.staff_post.refresh_from_db()
    baseline = p.staff_post.jd_version
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    assert case.jd == baseline.jd and case.proposed_version.number == baseline.number + 1
    assert case.baseline_version == baseline


def test_a_post_sharing_its_jd_gets_its_own_copy_to_amend(shared, client):
    p = shared
    baseline = p.staff_post.jd_version
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    draft = case.proposed_version
    assert draft.jd != baseline.jd and draft.jd.for_post == p.staff_post and draft.based_on == baseline
    assert case.jd == draft.jd and case.baseline_version == baseline
    assert not baseline.jd.versions.filter(status=JDVersion.Status.DRAFT).exists()
    # The holder and their line manager may edit it; the colleague on the shared JD may not.
    assert can_edit_jd(p.staff_member.user, draft.jd) and can_edit_jd(p.line_manager.user, draft.jd)
    assert not can_edit_jd(p.colleague.user, draft.jd) and not can_edit_jd(p.outsider.user, draft.jd)
    # ... and open it in the editor, which the colleague cannot even see.
    for person, status in ((p.staff_member, 200), (p.line_manager, 200), (p.colleague, 404), (p.outsider, 404)):
        client.force_login(person.user)
        assert client.get(f"/jobs/versions/{draft.pk}/edit/").status_code == status, person
    # The editor links back to the case (submitting happens there, with the recommended grade).
    client.force_login(p.staff_member.user)
    page = client.get(f"/jobs/versions/{draft.pk}/edit/").content.decode()
    assert f'href="/grading/{case.pk}/">Back to {case.reference}' in page and "/submit/" not in page
    assert f"started from {baseline.jd.reference} version {baseline.number}" in page

    # The colleague's own case amends another copy: the two proposals never mix.
    other = services.start_direct_route_case(actor=p.colleague.user, subject=p.colleague)
    assert other.proposed_version.jd not in (draft.jd, baseline.jd)
    save_draft(actor=p.staff_member.user, version=draft, base_revision=draft.revision,
               changes={"purpose": "To lead technical support for the research groups."})
    other.proposed_version.refresh_from_db()
    assert other.proposed_version.purpose == baseline.purpose


def test_the_case_page_lists_the_other_holders_of_the_jd_version_the_post_holds(shared, client):
    p = shared
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    client.force_login(p.hrbp.user)
    page = client.get(f"/grading/{case.pk}/").content.decode()
    assert "1 other holder of this version" in page and "Rosa Khan" in page


def test_the_hrbp_regrades_the_other_post_on_the_jd_and_processing_updates_every_affected_post(shared):
    p = shared
    case = _to_fairness(p, services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member))
    form = ActionForm(case=case, move=services.workflow.MOVES_BY_ACTION["record_fairness"])
    assert [post.post_number for post in form.fields["also_regrade"].queryset] == ["BIO-0102"]

    case = act(case, p.hrbp, "record_fairness", fairness_issue=True,
               assessment="Rosa Khan holds the same JD and does the same work.",
               resolution="Both posts are regraded together.", also_regrade=[p.colleague_post.pk])
    assert list(case.also_regraded.all()) == [p.colleague_post]
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed with Lina Morgan.")
    case = act(case, p.hrbp, "decide", outcome="higher_grade", grade=6)
    case = act(case, p.hr_services, "process")

    grade6 = Grade.objects.get(number=6)
    for post, person, point in ((p.staff_post, p.staff_member, 21), (p.colleague_post, p.colleague, 21)):
        post.refresh_from_db()
        assert grade_on(post, case.effective_date) == 6 and post.jd_version == case.proposed_version
        record = PayRecord.objects.get(person=person, reason=PayRecord.Reason.REGRADE)
        assert (record.grade, record.spine_point, record.post) == (grade6, point, post)
        assert case.reference in record.note
    assert "also post BIO-0102" in HistoryEntry.objects.get(action="grading.process").summary
    # Rosa did not ask: she is told, with a link to her own record (not to Sam's case).
    note = Notification.objects.get(recipient=p.colleague, subject__startswith="Your post BIO-0102 is regraded")
    assert "spine point 21" in note.body and note.link == f"/people/{p.colleague.pk}/"
    assert "Sam" not in note.body and case.reference not in note.body


def test_only_other_posts_on_the_same_version_without_their_own_case_can_be_regraded_with_it(shared):
    p = shared
    case = _to_fairness(p, services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member))
    before = case.step
    elsewhere = PostFactory(post_number="EST-0099", org_unit=p.estates, title="Research Technician")
    with pytest.raises(ServiceError, match="Only other posts on the same JD version"):
        act(case, p.hrbp, "record_fairness", fairness_issue=True, assessment="a", resolution="b",
            also_regrade=[elsewhere.pk])
    with pytest.raises(ServiceError, match="Only other posts on the same JD version"):
        act(case, p.hrbp, "record_fairness", fairness_issue=True, assessment="a", resolution="b",
            also_regrade=[p.staff_post.pk])
    own = services.start_direct_route_case(actor=p.colleague.user, subject=p.colleague)
    with pytest.raises(ServiceError, match=f"its own open grading case \\({own.reference}\\)"):
        act(case, p.hrbp, "record_fairness", fairness_issue=True, assessment="a", resolution="b",
            also_regrade=[p.colleague_post.pk])
    case.refresh_from_db()
    assert case.step == before and case.state == "fairness" and not case.also_regraded.exists()


def test_a_pay_cut_for_another_holder_needs_pay_protection_and_nothing_is_half_written(shared):
    p = shared
    # Grade 4's automatic zone is points 11–15: Sam (point 13) moves to 15, Rosa (point 22) would lose pay.
    for person, post, point in ((p.staff_member, p.staff_post, 13), (p.colleague, p.colleague_post, 22)):
        PayRecord.objects.create(person=person, grade=Grade.objects.get(number=5), spine_point=point, post=post,
                                 effective_from=dt.date(2024, 8, 1), reason=PayRecord.Reason.CORRECTION)
    case = _to_fairness(p, services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member))
    case = act(case, p.hrbp, "record_fairness", fairness_issue=True, assessment="Same work.",
               resolution="Regraded together.", also_regrade=[p.colleague_post.pk])
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed.")
    case = act(case, p.hrbp, "decide", outcome="lower_grade", grade=4,
               grade_difference_reason="The team leader duties were taken away: a lower grade than the match.")
    with pytest.raises(ServiceError, match="for Rosa Khan: that is a pay cut"):
        act(case, p.hr_services, "process")
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.REGRADE).exists()
    p.staff_post.refresh_from_db()
    assert p.staff_post.grade.number == 5
    case = act(case, p.hr_services, "process", pay_protection=True)
    assert PayRecord.objects.get(person=p.colleague, reason=PayRecord.Reason.REGRADE).spine_point == 22
    assert PayRecord.objects.get(person=p.staff_member, reason=PayRecord.Reason.REGRADE).spine_point == 15


def test_the_same_grade_confirmed_gives_the_included_posts_the_approved_jd_without_pay_changes(shared):
    p = shared
    case = _to_fairness(p, services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member))
    case = act(case, p.hrbp, "record_fairness", fairness_issue=True, assessment="Rosa does the same work.",
               resolution="Both posts take the revised JD.", also_regrade=[p.colleague_post.pk])
    case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed.")
    case = act(case, p.hrbp, "decide", outcome="grade_confirmed", grade=5,
               grade_difference_reason="The added duties are occasional: the current grade stands.")
    assert case.state == "logging"  # the same grade: nothing for HR Services to process
    case = act(case, p.hrbp, "log_and_send")
    for post in (p.staff_post, p.colleague_post):
        post.refresh_from_db()
        assert post.jd_version == case.proposed_version and post.grade.number == 5
    assert not PayRecord.objects.filter(reason=PayRecord.Reason.REGRADE).exists()


def test_the_changes_download_compares_the_shared_version_with_the_posts_own_copy(shared, client):
    import io
    import zipfile

    from lxml import etree

    p = shared
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    save_draft(actor=p.staff_member.user, version=case.proposed_version, base_revision=case.proposed_version.revision,
               changes={"purpose": "To lead technical support for the research groups of the division."})
    url = f"/grading/{case.pk}/changes.docx"
    client.force_login(p.outsider.user)
    assert client.get(url).status_code == 404
    client.force_login(p.line_manager.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    inserted = "".join(t.text for mark in root.findall(".//w:ins", ns) for t in mark.iterfind(".//w:t", ns))
    deleted = "".join(t.text for t in root.iterfind(".//w:delText", ns))
    assert "lead" in inserted and "provide" in deleted
    page = client.get(f"/grading/{case.pk}/").content.decode()
    assert f"{case.baseline_version.jd.reference} version 1" in page and "this post's own copy" in page
    page = client.get(f"/jobs/{case.jd.pk}/").content.decode()
    assert "Drafted for the regrading of post BIO-0101 (Research Technician)" in page
    assert f"from <a href=\"/jobs/versions/{case.baseline_version.pk}/\">{case.baseline_version.jd.reference} v1</a>" \
        in page

"""The pages of accelerated increments as people use them, the review check (appraisal, probation, or a
warning), returns, declines and withdrawal with their reasons, HR Services returning an award whose starting
point changed, the local round, My home and the career record."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from gradepath.career.sources import career_sources
from gradepath.grades.models import Grade, PayRecord
from gradepath.notifications.models import Notification
from gradepath.progression import services
from gradepath.progression.models import LocalRound, ProgressionRequest
from gradepath.progression.tests.conftest import good_data
from gradepath.progression.tests.helpers import act, make_request
from gradepath.workflow.registry import Starter

pytestmark = pytest.mark.django_db


def _no_appraisals(monkeypatch):
    def missing(key):
        raise LookupError(key)

    monkeypatch.setattr(services, "get_starter", missing)


def test_without_any_review_the_request_carries_a_warning_shown_on_its_page(aip, login, monkeypatch):
    _no_appraisals(monkeypatch)
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    assert obj.review_date is None and "No probation or appraisal review" in obj.review_warning
    page = login(aip.dean).get(f"/progression/{obj.pk}/").content.decode()
    assert 'data-testid="review-warning"' in page and "Sam Patel" in page


def test_a_recent_appraisal_from_the_appraisal_process_is_recorded_as_the_review(aip, monkeypatch):
    completed = timezone.localdate() - dt.timedelta(days=40)
    monkeypatch.setattr(services, "get_starter", lambda key: Starter(key, lambda *, person: (
        completed, "APR-2026-0007", "/appraisals/7/")))
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    assert (obj.review_date, obj.review_kind, obj.review_reference, obj.review_warning) == (
        completed, "appraisal", "APR-2026-0007", "")


def test_an_old_appraisal_falls_back_to_a_recent_probation_end(aip, monkeypatch):
    old = timezone.localdate() - dt.timedelta(days=400)
    monkeypatch.setattr(services, "get_starter", lambda key: Starter(key, lambda *, person: (old, "APR-1", "")))
    aip.staff_member.probation_end = timezone.localdate() - dt.timedelta(days=20)
    aip.staff_member.save(update_fields=["probation_end"])
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    assert (obj.review_kind, obj.review_date, obj.review_warning) == ("probation", aip.staff_member.probation_end, "")


def test_the_staff_member_applies_directly_on_the_page(aip, login):
    client = login(aip.staff_member)
    page = client.get("/progression/apply/direct/")
    assert page.status_code == 200 and 'data-testid="current-pay"' in page.content.decode()
    data = {f"apply-{k}": v for k, v in good_data(timezone.localdate()).items()}
    data.update({"apply-step": "0", "apply-idempotency_key": str(uuid.uuid4())})
    response = client.post("/progression/apply/direct/", data)
    obj = ProgressionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/progression/{obj.pk}/"
    assert (obj.route, obj.initiator_id, obj.state) == ("direct", aip.staff_member.pk, "dean_intake")


def test_the_hod_finds_their_people_and_someone_else_is_told_who_applies(aip, login):
    rows = login(aip.hod).get("/progression/apply-people/?q=Pat").json()["results"]
    assert [r["value"] for r in rows] == [aip.staff_member.pk]
    assert 'data-testid="apply-form"' in login(aip.hod).get("/progression/apply/hod/").content.decode()
    assert 'data-testid="not-hod"' in login(aip.line_manager).get("/progression/apply/hod/").content.decode()
    assert login(aip.line_manager).get("/progression/apply-people/?q=Pat").json()["results"] == []


def test_the_dean_approves_on_the_page_and_a_stale_second_click_changes_nothing(aip, login):
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    obj = act(obj, aip.fm_hps, "fm_comment", comments="Supported.")
    client = login(aip.dean)
    assert 'data-testid="action-approve"' in client.get(f"/progression/{obj.pk}/").content.decode()
    posted = {"approve-step": str(obj.step), "approve-idempotency_key": str(uuid.uuid4())}
    assert client.post(f"/progression/{obj.pk}/act/approve/", posted).status_code == 302
    again = client.post(f"/progression/{obj.pk}/act/approve/", {**posted, "approve-idempotency_key": str(uuid.uuid4())})
    assert again.status_code == 409
    obj.refresh_from_db()
    assert (obj.state, obj.step) == ("hr_validation", 2)


def test_a_return_a_resubmission_and_a_decline_tell_the_staff_member_with_the_reason(aip):
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    obj = act(obj, aip.fm_hps, "fm_comment", comments="Supported.")
    obj = act(obj, aip.dean, "return_for_information", reason="Add the appraisal notes.")
    assert obj.state == "returned"
    told = Notification.objects.filter(recipient_id=aip.staff_member.pk, body__contains="Add the appraisal notes")
    assert told.exists()
    obj = act(obj, aip.hod, "resubmit", reason="Added them.", evidence="https://intranet.example/appraisal/7")
    assert obj.state == "decision" and obj.evidence.endswith("/appraisal/7")
    obj = act(obj, aip.dean, "decline", reason="Within the grade's expectations.")
    assert obj.state == "declined" and obj.closed_at is not None
    assert Notification.objects.filter(recipient_id=aip.staff_member.pk,
                                       body__contains="Within the grade's expectations").exists()
    # Declined: a new request may be made.
    assert services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                  data=good_data(timezone.localdate())).state == "fm_comments"


def test_the_applicant_withdraws_and_hr_services_return_an_award_whose_starting_point_changed(aip):
    obj = services.start_request(actor=aip.staff_member.user, route="direct", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    assert act(obj, aip.staff_member, "withdraw", reason="Resubmitting in the round.").state == "withdrawn"
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    obj = act(act(obj, aip.fm_hps, "fm_comment", comments="Yes."), aip.dean, "approve")
    PayRecord.objects.create(person=aip.staff_member, grade=Grade.objects.get(number=5), spine_point=18,
                             effective_from=timezone.localdate(), reason=PayRecord.Reason.CORRECTION)
    with pytest.raises(services.ServiceError, match="pay history changed since the request"):
        act(obj, aip.hr_services, "validate")
    obj = act(obj, aip.hr_services, "return_to_decider", reason="Spine point corrected since.")
    assert (obj.state, obj.effective_date) == ("decision", None)


def test_the_dean_opens_a_round_and_its_panel_shows_the_request(aip, login):
    client = login(aip.dean)
    response = client.post("/progression/rounds/", {
        "round-faculty": aip.faculty.pk, "round-step": "0", "round-idempotency_key": str(uuid.uuid4()),
        "round-name": "2026–27 round", "round-deadline": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "round-budget": "£10,000"})
    found = LocalRound.objects.get()
    assert response.status_code == 302 and found.budget == 10000
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate(), local_round=found.pk))
    panel = client.get(f"/progression/rounds/{found.pk}/").content.decode()
    assert obj.reference in panel and 'data-testid="remaining"' in panel
    assert login(aip.outsider).get(f"/progression/rounds/{found.pk}/").status_code == 404
    assert 'data-testid="round-form"' not in login(aip.staff_member).get("/progression/rounds/").content.decode()


def test_my_home_and_the_career_record_show_the_award(aip, login):
    obj = services.start_request(actor=aip.hod.user, route="hod", subject=aip.staff_member,
                                 data=good_data(timezone.localdate()))
    obj = act(act(act(obj, aip.fm_hps, "fm_comment", comments="Yes."), aip.dean, "approve"), aip.hr_services,
              "validate")
    home = login(aip.staff_member).get("/").content.decode()
    assert obj.reference in home and 'data-testid="progression-home"' in home
    source = next(s for s in career_sources() if s.key == "progression")
    entries = source.entries(aip.staff_member, aip.staff_member.user)
    assert [e.reference for e in entries] == [obj.reference]
    assert entries[0].status.startswith("Awarded: spine point 18") and entries[0].start == obj.effective_date
    assert source.entries(aip.staff_member, aip.outsider.user) == []


def test_a_request_declined_months_ago_says_the_pay_did_not_change_and_dates_its_estimate_when_applied(
        matrix, login):
    obj = make_request(matrix, "hod", "declined")
    applied = timezone.make_aware(dt.datetime(timezone.localdate().year - 1, 5, 20, 10, 0))
    ProgressionRequest.objects.filter(pk=obj.pk).update(created_at=applied)
    page = login(matrix.dean).get(f"/progression/{obj.pk}/").content.decode()
    assert 'data-testid="no-pay-change"' in page and "the pay did not change" in page
    # Estimated for approval in May: to the end of that pay year, not of the pay year it is now.
    assert f"(31 Jul {applied.year})" in page and "(if approved that month)" in page

"""The appraisal's services as sentences: starting one, the JD review, the sign-offs, the regrading
check it flags (a real grading case whose redline shows the changes), and the evidence other processes
read through the starter registry."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.utils import timezone

from gradepath.appraisal import services
from gradepath.appraisal.models import Appraisal, ResponsibilityChange
from gradepath.appraisal.tests.conftest import DUTIES, act, make_appraisal
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import HistoryEntry
from gradepath.jobs.redline import compare_versions
from gradepath.jobs.word import comparison_docx
from gradepath.notifications.models import Notification
from gradepath.workflow.models import Task
from gradepath.workflow.registry import get_starter
from gradepath.workflow.testing import check_history

# Grading's cases through the app registry: processes never import one another, not even in their tests.
GradingCase = apps.get_model("grading", "GradingCase")
pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def taken_on(**extra):
    return {"kind": "taken_on", "duty": "Manage the laboratory's equipment budget.",
            "evidence": "Budget reports for 2025 signed off by me.", "from_date": (TODAY() - dt.timedelta(days=200)).isoformat(),
            **extra}


def relinquished(number: int = 3, **extra):
    return {"kind": "relinquished", "jd_duty": number, "evidence": "Stock now ordered centrally by Procurement.",
            "from_date": (TODAY() - dt.timedelta(days=300)).isoformat(), **extra}


def counts():
    return (Appraisal.objects.count(), ResponsibilityChange.objects.count(), GradingCase.objects.count(),
            HistoryEntry.objects.count(), Notification.objects.count())


# --- Starting ---------------------------------------------------------------------------------------


def test_the_line_manager_starts_an_appraisal_and_is_the_appraiser_by_default(appraisal_people):
    p = appraisal_people
    appraisal = services.start_appraisal(actor=p.line_manager.user, subject=p.staff_member, year=TODAY().year)
    assert appraisal.appraiser == p.line_manager and appraisal.state == "pre_review"
    assert appraisal.jd_version == p.agreed.version and appraisal.org_unit == p.department
    assert appraisal.due_on == dt.date(TODAY().year, 4, 30)
    assert appraisal.reference.startswith(f"AP-{TODAY().year}-")
    task = Task.objects.get(process="appraisal", object_id=appraisal.pk, completed_at__isnull=True)
    assert task.assignee == p.staff_member and task.role == "staff_member"


def test_a_second_appraisal_for_the_same_person_and_year_is_refused_and_nothing_is_written(appraisal_people):
    p = appraisal_people
    first = services.start_appraisal(actor=p.line_manager.user, subject=p.staff_member, year=TODAY().year)
    before = counts()
    with pytest.raises(ServiceError, match=f"already has an appraisal for {TODAY().year} \\({first.reference}\\)"):
        services.start_appraisal(actor=p.hr_services.user, subject=p.staff_member, year=TODAY().year)
    assert counts() == before


@pytest.mark.parametrize("year", [1990, "twenty", None])
def test_a_year_that_is_not_a_year_near_now_is_refused(appraisal_people, year):
    p = appraisal_people
    with pytest.raises(ServiceError):
        services.start_appraisal(actor=p.line_manager.user, subject=p.staff_member, year=year)
    assert not Appraisal.objects.exists()


def test_nobody_appraises_themselves_and_a_stranger_cannot_start_one(appraisal_people):
    p = appraisal_people
    with pytest.raises(ServiceError, match="Nobody appraises themselves"):
        services.start_appraisal(actor=p.line_manager.user, subject=p.staff_member, year=TODAY().year,
                                 appraiser=p.staff_member)
    with pytest.raises(PermissionDenied):
        services.start_appraisal(actor=p.outsider.user, subject=p.staff_member, year=TODAY().year)
    assert not Appraisal.objects.exists()


# --- The moves --------------------------------------------------------------------------------------


def test_a_full_appraisal_is_signed_off_by_each_for_themselves_and_completed(appraisal_people):
    p = appraisal_people
    appraisal = services.start_appraisal(actor=p.line_manager.user, subject=p.staff_member, year=TODAY().year)
    appraisal = act(appraisal, p.staff_member, "submit_pre_review", pre_review="I took on the budget.")
    appraisal = act(appraisal, p.line_manager, "record_meeting", summary="Strong year.", objectives="Lead the audit.",
                    training_needs="Finance course.", completed_on=TODAY().isoformat())
    appraisal = act(appraisal, p.line_manager, "sign_off")
    assert appraisal.state == "sign_off" and appraisal.appraiser_signed_at and not appraisal.staff_signed_at
    with pytest.raises(PermissionDenied):  # the appraiser cannot sign for the staff member too
        act(appraisal, p.line_manager, "sign_off")
    appraisal = act(appraisal, p.staff_member, "sign_off")
    assert appraisal.state == "completed" and appraisal.staff_signed_at and appraisal.closed_at
    assert not Task.objects.filter(object_id=appraisal.pk, process="appraisal", completed_at__isnull=True).exists()
    check_history(services.APPRAISAL, appraisal)


def test_a_meeting_dated_in_the_future_or_before_its_year_is_refused(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    for day, words in ((TODAY() + dt.timedelta(days=3), "in the future"),
                       (dt.date(TODAY().year - 1, 12, 31), "cannot be before 1 January")):
        with pytest.raises(ServiceError, match=words):
            act(appraisal, p.line_manager, "record_meeting", summary="S.", objectives="O.", completed_on=day.isoformat())
    appraisal.refresh_from_db()
    assert (appraisal.state, appraisal.step, appraisal.summary) == ("meeting", 0, "")


def test_text_too_long_is_refused_with_its_limit(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "pre_review")
    with pytest.raises(ServiceError, match="at most 5,000 characters"):
        act(appraisal, p.staff_member, "submit_pre_review", pre_review="x" * 5001)
    with pytest.raises(ServiceError, match="at most 5,000 characters"):
        services.add_change(actor=p.staff_member.user, appraisal=appraisal, data=taken_on(evidence="e" * 5001))
    assert not appraisal.changes.exists() and appraisal.events.count() == 0


# --- The JD review ------------------------------------------------------------------------------------


def test_the_staff_member_and_the_appraiser_record_changes_taken_on_and_relinquished(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "pre_review")
    added = services.add_change(actor=p.staff_member.user, appraisal=appraisal, data=taken_on())
    gone = services.add_change(actor=p.line_manager.user, appraisal=appraisal, data=relinquished(3))
    assert (added.kind, added.duty, added.recorded_by) == ("taken_on", "Manage the laboratory's equipment budget.",
                                                           p.staff_member)
    assert (gone.kind, gone.duty, gone.recorded_by) == ("relinquished", "Order stock.", p.line_manager)
    services.remove_change(actor=p.staff_member.user, appraisal=appraisal, change_id=gone.pk)
    assert list(appraisal.changes.values_list("kind", flat=True)) == ["taken_on"]


@pytest.mark.parametrize(("data", "words"), [
    (taken_on(from_date="2026-03-01", to_date="2026-02-01"), "the wrong way round"),
    (relinquished(9), "has 3 duties"),
    (relinquished(3, duty="Something else."), "choose it instead of writing it"),
    (taken_on(duty=DUTIES[0]), "already a duty of the current JD"),
    (taken_on(from_date=(dt.date.today() + dt.timedelta(days=30)).isoformat()), "cannot begin in the future"),
    (taken_on(duty="d" * 501), "at most 500 characters"),
    (taken_on(evidence=""), "Give the evidence"),
    (taken_on(kind="swapped"), "choose one of taken_on, relinquished"),
    (taken_on(grade=7), "does not take grade"),
    ({"kind": "relinquished", "evidence": "E.", "from_date": "2025-01-01"}, "Choose the duty of the current JD"),
])
def test_bad_changes_are_refused_with_a_sentence_and_nothing_is_written(appraisal_people, data, words):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    before = counts()
    with pytest.raises(ServiceError, match=words):
        services.add_change(actor=p.staff_member.user, appraisal=appraisal, data=data)
    assert counts() == before


def test_only_the_staff_member_and_appraiser_record_the_review_and_only_while_it_is_open(appraisal_people):
    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    for person in (p.fm_hps, p.hr_services, p.outsider):
        with pytest.raises(PermissionDenied):
            services.add_change(actor=person.user, appraisal=appraisal, data=taken_on())
    signing = make_appraisal(p, "sign_off", year=TODAY().year - 1)
    with pytest.raises(ServiceError, match="JD review .* is closed"):
        services.add_change(actor=p.staff_member.user, appraisal=signing, data=taken_on())
    assert not ResponsibilityChange.objects.exists()


# --- A regrading check may be due ------------------------------------------------------------------------


def _reviewed(p, **kwargs):
    """An appraisal at the meeting whose JD review has one duty taken on and one relinquished."""
    appraisal = make_appraisal(p, "meeting", **kwargs)
    services.add_change(actor=p.staff_member.user, appraisal=appraisal, data=taken_on())
    services.add_change(actor=p.staff_member.user, appraisal=appraisal, data=relinquished(3))
    return appraisal


def test_a_flag_starts_a_case_whose_redline_shows_the_taken_on_inserted_and_the_relinquished_deleted(
        appraisal_people):
    p = appraisal_people
    appraisal = _reviewed(p)
    appraisal = services.flag_regrading_check(actor=p.line_manager.user, appraisal=appraisal,
                                              data={"route": "agreed", "note": "Budget duties since May."})
    case = GradingCase.objects.get(pk=appraisal.regrading_case_id)
    assert (case.route, case.state, case.subject, case.reference) == ("agreed", "agreements", p.staff_member,
                                                                       appraisal.regrading_reference)
    assert appraisal.regrading_link == f"/grading/{case.pk}/" and appraisal.regrading_flagged_by == p.line_manager
    assert appraisal.regrading_suggestion  # the matching's suggestion, in words
    assert case.proposed_version.duties == [DUTIES[0], DUTIES[1], "Manage the laboratory's equipment budget."]
    items = compare_versions(case.baseline_version, case.proposed_version).section("duties").items
    assert [(i.kind, i.new or i.old) for i in items if i.kind in ("inserted", "deleted")] == [
        ("deleted", "Order stock."), ("inserted", "Manage the laboratory's equipment budget.")]
    with zipfile.ZipFile(io.BytesIO(comparison_docx(case.baseline_version, case.proposed_version))) as docx:
        body = docx.read("word/document.xml").decode()  # the Word export: the same changes, tracked
    inserted = re.findall(r"<w:ins\b.*?</w:ins>", body, re.S)
    deleted = re.findall(r"<w:del\b.*?</w:del>", body, re.S)
    assert any("equipment budget" in chunk for chunk in inserted)
    assert any("Order stock" in chunk for chunk in deleted)
    assert case.comments.get().text == "Budget duties since May."
    assert Notification.objects.filter(recipient_id=p.staff_member.pk, subject__contains=case.reference).exists()


def test_the_staff_member_flags_the_direct_route_and_the_appraiser_is_refused_it(appraisal_people):
    p = appraisal_people
    appraisal = _reviewed(p)
    before = counts()
    with pytest.raises(PermissionDenied, match="Only the staff member can start the Direct Route"):
        services.flag_regrading_check(actor=p.line_manager.user, appraisal=appraisal, data={"route": "direct"})
    assert counts() == before
    appraisal = services.flag_regrading_check(actor=p.staff_member.user, appraisal=appraisal, data={"route": "direct"})
    assert GradingCase.objects.get(pk=appraisal.regrading_case_id).route == "direct"
    with pytest.raises(ServiceError, match="already flagged"):
        services.flag_regrading_check(actor=p.staff_member.user, appraisal=appraisal, data={"route": "agreed"})
    assert GradingCase.objects.count() == 1


def test_an_appraiser_who_is_not_the_line_manager_cannot_start_the_agreed_route(appraisal_people):
    p = appraisal_people
    appraisal = _reviewed(p, appraiser=p.abe)
    with pytest.raises(PermissionDenied, match="appraiser who is not the line manager"):
        services.flag_regrading_check(actor=p.abe.user, appraisal=appraisal, data={"route": "agreed"})
    assert not GradingCase.objects.exists()


@pytest.mark.parametrize(("who", "data", "error", "words"), [
    ("hrbp", {"route": "agreed"}, PermissionDenied, "Only the staff member and their appraiser"),
    ("staff_member", {"route": "sideways"}, ServiceError, "choose one of agreed, direct"),
    ("staff_member", {}, ServiceError, "Choose the route"),
    ("staff_member", {"route": "agreed", "note": "n" * 5001}, ServiceError, "at most 5,000"),
])
def test_a_bad_flag_is_refused_and_starts_nothing(appraisal_people, who, data, error, words):
    p = appraisal_people
    appraisal = _reviewed(p)
    before = counts()
    with pytest.raises(error, match=words):
        services.flag_regrading_check(actor=getattr(p, who).user, appraisal=appraisal, data=data)
    assert counts() == before


def test_a_flag_needs_a_change_recorded_and_the_meeting_reached(appraisal_people):
    p = appraisal_people
    empty = make_appraisal(p, "meeting")
    with pytest.raises(ServiceError, match="Record at least one responsibility"):
        services.flag_regrading_check(actor=p.staff_member.user, appraisal=empty, data={"route": "agreed"})
    early = make_appraisal(p, "pre_review", year=TODAY().year - 1)
    services.add_change(actor=p.staff_member.user, appraisal=early, data=taken_on())
    with pytest.raises(ServiceError, match="from the appraisal meeting on"):
        services.flag_regrading_check(actor=p.staff_member.user, appraisal=early, data={"route": "agreed"})
    assert not GradingCase.objects.exists()


def test_a_refusal_by_grading_leaves_the_appraisal_unflagged(appraisal_people):
    # A post with an open grading case already: grading refuses a second, and the appraisal stays as it was.
    p = appraisal_people
    appraisal = _reviewed(p)
    services.flag_regrading_check(actor=p.staff_member.user, appraisal=appraisal, data={"route": "agreed"})
    other = _reviewed(p, year=TODAY().year - 1)
    with pytest.raises(ServiceError, match="already has an open grading case"):
        services.flag_regrading_check(actor=p.staff_member.user, appraisal=other, data={"route": "direct"})
    other.refresh_from_db()
    assert other.regrading_reference == "" and GradingCase.objects.count() == 1


# --- Evidence for other processes ---------------------------------------------------------------------------


def test_the_latest_completed_appraisal_is_reached_through_the_starter_registry(appraisal_people):
    p = appraisal_people
    latest = get_starter("appraisal.latest_completed").start
    assert latest(person=p.staff_member) is None
    old = make_appraisal(p, "completed", year=TODAY().year - 1)
    Appraisal.objects.filter(pk=old.pk).update(completed_on=TODAY() - dt.timedelta(days=300))
    assert latest(person=p.staff_member) == (TODAY() - dt.timedelta(days=300), old.reference, f"/appraisals/{old.pk}/")
    assert latest(person=p.staff_member, within_days=183) is None  # not within the last 6 months
    make_appraisal(p, "sign_off")  # not completed: not evidence
    assert latest(person=p.staff_member, within_days=183) is None


def test_reminders_and_escalations_reach_the_appraisal_tasks_through_the_engine(appraisal_people):
    from gradepath.workflow.reminders import send_reminders_and_escalations

    p = appraisal_people
    appraisal = make_appraisal(p, "meeting")
    task = Task.objects.get(process="appraisal", object_id=appraisal.pk, completed_at__isnull=True)
    assert task.assignee == p.line_manager
    report = send_reminders_and_escalations(task.due_date - dt.timedelta(days=1), process_names=["appraisal"])
    assert [(t.pk, [r.pk for r in who]) for t, who in report.reminded] == [(task.pk, [p.line_manager.pk])]
    report = send_reminders_and_escalations(task.due_date + dt.timedelta(days=3), process_names=["appraisal"])
    assert [(t.pk, who.pk) for t, who in report.escalated] == [(task.pk, p.fm_hps.pk)]  # the FM/HPS hears

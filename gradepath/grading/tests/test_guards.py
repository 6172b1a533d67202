"""Guards (issue 4 §3): nobody acts on their own case; delegates only inside their dates and never
on a case about themselves or their delegator; one open case per post; a minimum interval between
requests; withdrawal by the initiator before a decision; finance approval for grant-funded posts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.grading import services
from gradepath.grading.models import GradingCase, Outcome, Route
from gradepath.grading.tests.test_workflow_matrix import act, make_case
from gradepath.people.models import Delegation
from gradepath.testing.factories import AppointmentFactory, PostFactory

pytestmark = pytest.mark.django_db


def offered(case, person) -> set[str]:
    return {a.move.action for a in services.available_actions(case, person.user)}


def give_post(p, person, number: str):
    """A current post in the division with an agreed JD, held by ``person``."""
    post = PostFactory(post_number=number, org_unit=p.department, title="Technician",
                       grade=Grade.objects.get(number=5), jd_version=p.agreed.version)
    AppointmentFactory(person=person, post=post, start_date=dt.date(2022, 1, 4))
    PayRecord.objects.create(person=person, grade=post.grade, spine_point=16, effective_from=dt.date(2022, 1, 4),
                             reason=PayRecord.Reason.APPOINTMENT, post=post)
    return post


def test_hrbp_cannot_check_the_grade_of_their_own_job(grading):
    p = grading
    case = make_case(p, Route.DIRECT, "hrbp_review", subject=p.hrbp, post=give_post(p, p.hrbp, "BIO-0200"))
    assert offered(case, p.hrbp) == set()
    with pytest.raises(PermissionDenied):
        act(case, p.hrbp, "confirm_by_match")
    case.refresh_from_db()
    assert case.state == "hrbp_review" and case.step == 0


def test_fm_hps_and_their_delegate_cannot_broker_the_fm_hps_own_case(grading):
    p = grading
    case = make_case(p, Route.DIRECT, "fm_brokering", subject=p.fm_hps, post=give_post(p, p.fm_hps, "BIO-0201"))
    assert "record_grade_agreement" not in offered(case, p.fm_hps)
    assert offered(case, p.delegate) == set()  # a case about their delegator
    for person in (p.fm_hps, p.delegate):
        with pytest.raises(PermissionDenied):
            act(case, person, "record_grade_agreement")
    case.refresh_from_db()
    assert case.step == 0


def test_hr_services_member_cannot_process_their_own_regrade(grading):
    p = grading
    case = make_case(p, Route.AGREED, "hr_processing", subject=p.hr_services,
                     post=give_post(p, p.hr_services, "BIO-0202"))
    assert offered(case, p.hr_services) == set()
    with pytest.raises(PermissionDenied):
        act(case, p.hr_services, "process")


def test_the_staff_member_may_act_on_their_own_case_only_as_its_staff_member(grading):
    p = grading
    case = make_case(p, Route.AGREED, "agreements", initiator=p.staff_member)
    assert offered(case, p.staff_member) == {"agree_duties_changed", "withdraw"}
    case = act(case, p.staff_member, "agree_duties_changed")
    assert offered(case, p.staff_member) == {"withdraw"}  # each role agrees once


def test_delegate_cannot_act_on_a_case_about_themselves(grading):
    p = grading
    case = make_case(p, Route.DIRECT, "fm_brokering", subject=p.delegate,
                     post=give_post(p, p.delegate, "BIO-0203"))
    assert offered(case, p.delegate) == set()
    with pytest.raises(PermissionDenied):
        act(case, p.delegate, "record_grade_agreement")
    assert offered(case, p.fm_hps) == {"record_grade_agreement", "record_no_agreement"}


@pytest.mark.parametrize("when", ["before_start", "after_end", "revoked"])
def test_delegate_acts_only_inside_the_delegation_dates(grading, when):
    p = grading
    today = timezone.localdate()
    delegation = p.delegation
    if when == "before_start":
        delegation.start_date, delegation.end_date = today + dt.timedelta(days=1), today + dt.timedelta(days=10)
    elif when == "after_end":
        delegation.start_date, delegation.end_date = today - dt.timedelta(days=10), today - dt.timedelta(days=1)
    else:
        delegation.revoked_at = timezone.now()
    delegation.save()
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    assert offered(case, p.delegate) == set()
    with pytest.raises(PermissionDenied):
        act(case, p.delegate, "approve")
    case.refresh_from_db()
    assert case.state == "fm_approval"
    # The FM/HPS still can, and the task goes to them rather than the lapsed delegate.
    assert services.people_for_role(case, "fm_hps") == [(p.fm_hps, "")]
    assert act(case, p.fm_hps, "approve").state == "hrbp_review"


def test_delegate_acts_on_the_last_day_of_the_delegation(grading):
    p = grading
    Delegation.objects.filter(pk=p.delegation.pk).update(end_date=timezone.localdate())
    case = make_case(p, Route.NEW_JOB, "fm_approval")
    case = act(case, p.delegate, "approve")
    assert case.events.get().capacity.startswith("delegate of Fiona Marsh")


def test_one_open_case_per_post_is_refused_with_a_message(grading):
    p = grading
    first = services.start_agreed_route_case(actor=p.line_manager.user, subject=p.staff_member)
    with pytest.raises(ServiceError, match=f"already has an open grading case \\({first.reference}\\)"):
        services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    assert GradingCase.objects.count() == 1


def test_the_database_allows_one_open_case_per_post(grading):
    p = grading
    make_case(p, Route.DIRECT, "discussion")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_case(p, Route.AGREED, "agreements")
    # Closed and withdrawn cases do not count.
    GradingCase.objects.update(state="withdrawn")
    make_case(p, Route.AGREED, "agreements")


def _decided_case(p, decided_on: dt.date) -> GradingCase:
    case = make_case(p, Route.DIRECT, "closed")
    decided_at = timezone.make_aware(dt.datetime.combine(decided_on, dt.time(12)))
    GradingCase.objects.filter(pk=case.pk).update(decided_at=decided_at, outcome=Outcome.NO_CHANGE)
    return case


def _months_ago(months: int, plus_days: int = 0) -> dt.date:
    today = timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, min(today.day, 28)) + dt.timedelta(days=plus_days)


def test_a_new_request_within_12_months_of_the_last_decision_is_refused(grading):
    p = grading
    last = _decided_case(p, _months_ago(3))
    with pytest.raises(ServiceError, match=f"{last.reference}.*minimum of 12 months"):
        services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)


def test_the_interval_is_a_full_12_months_not_rounded_to_the_month(grading):
    p = grading
    _decided_case(p, _months_ago(12, plus_days=1) if timezone.localdate().day <= 27 else _months_ago(11, 1))
    with pytest.raises(ServiceError, match="minimum of 12 months"):
        services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)


def test_a_new_request_12_months_after_the_last_decision_is_allowed(grading):
    p = grading
    _decided_case(p, _months_ago(12, plus_days=-1))
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    assert case.state == "discussion"


def test_an_interval_of_0_months_disables_the_rule(grading, settings):
    p = grading
    settings.GRADEPATH_GRADING = {**settings.GRADEPATH_GRADING, "MIN_INTERVAL_MONTHS": 0}
    _decided_case(p, timezone.localdate())
    assert services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member).pk


def test_the_initiator_withdraws_before_a_decision(grading):
    p = grading
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    with pytest.raises(PermissionDenied):
        act(case, p.line_manager, "withdraw", reason="Not mine to withdraw.")
    with pytest.raises(ServiceError, match="Give a reason"):
        act(case, p.staff_member, "withdraw")
    case = act(case, p.staff_member, "withdraw", reason="I have moved to another role.")
    assert case.state == "withdrawn" and case.closed_at is not None
    assert services.available_actions(case, p.staff_member.user) == []


@pytest.mark.parametrize("state", ["decision", "hr_processing", "logging", "closed"])
def test_nobody_withdraws_once_the_decision_is_due_or_made(grading, state):
    p = grading
    case = make_case(p, Route.DIRECT, state, initiator=p.staff_member)
    assert "withdraw" not in offered(case, p.staff_member)
    with pytest.raises(Exception) as refused:
        act(case, p.staff_member, "withdraw", reason="Too late.")
    assert isinstance(refused.value, (PermissionDenied, ServiceError))
    case.refresh_from_db()
    assert case.state == state


def test_grant_funded_post_needs_finance_approval_before_hr_services_processes(grading):
    p = grading
    type(p.staff_post).objects.filter(pk=p.staff_post.pk).update(grant_funded=True,
                                                                 funding_source="Wellcome Trust grant 221234")
    case = make_case(p, Route.AGREED, "hr_processing")
    assert case.grant_funded
    with pytest.raises(ServiceError, match="grant-funded: record the finance approval"):
        act(case, p.hr_services, "process")
    case.refresh_from_db()
    assert case.state == "hr_processing" and not PayRecord.objects.filter(reason="regrade").exists()
    case = act(case, p.hr_services, "record_finance_approval", reason="Approved by the grant holder's finance team.")
    assert case.state == "hr_processing" and case.finance_approved_at is not None
    case = act(case, p.hr_services, "process")
    assert case.state == "logging"


def test_finance_approval_is_refused_for_a_post_that_is_not_grant_funded(grading):
    p = grading
    case = make_case(p, Route.AGREED, "hr_processing")
    with pytest.raises(ServiceError, match="not grant-funded"):
        act(case, p.hr_services, "record_finance_approval", reason="Just in case.")

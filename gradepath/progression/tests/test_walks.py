"""The policy's walks (§4.6) as sentences: the HoD applies, the FM/HPS comments, the Dean decides, HR Services
validate and the pay history is written from the 1st of the month after approval; the direct route to the
Dean with the written comments of the HoD (the staff member copied) and the FM/HPS collected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gradepath.grades.models import PayRecord, salary_for
from gradepath.notifications.models import Notification
from gradepath.progression import services, spine
from gradepath.progression.models import ProgressionRequest
from gradepath.progression.tests.conftest import good_data

pytestmark = pytest.mark.django_db


def act(obj, person, action, **data):
    return services.perform_action(actor=person.user, request=obj, action=action, step=obj.step, data=data)


def test_the_hod_applies_the_fm_comments_the_dean_approves_and_hr_services_write_the_pay(aip):
    p = aip
    today = timezone.localdate()
    request = services.start_request(actor=p.hod.user, route="hod", subject=p.staff_member, data=good_data(today))
    assert (request.state, request.current_point, request.new_point, request.kind) == (
        "fm_comments", 17, 18, spine.ACCELERATED_INCREMENT)
    assert request.decider_role == "dean" and request.cost_to_year_end and request.cost_to_year_end > 0
    request = act(request, p.fm_hps, "fm_comment", comments="Strongly supported: the service depends on Sam.")
    assert request.state == "decision" and request.fm_comments.startswith("Strongly")
    request = act(request, p.dean, "approve")
    assert request.state == "hr_validation"
    assert request.effective_date == spine.first_of_next_month(today)
    request = act(request, p.hr_services, "validate")
    assert request.state == "completed"
    record = PayRecord.objects.filter(person=p.staff_member).order_by("-effective_from", "-id").first()
    assert (record.spine_point, record.effective_from, record.reason) == (
        18, spine.first_of_next_month(today), PayRecord.Reason.ACCELERATED_INCREMENT)
    assert request.pay_record_id == record.pk
    effective = request.effective_date
    year_end = spine.pay_year_end(effective)
    expected = ((salary_for(18, effective) - salary_for(17, effective)) * spine.months_left(effective, year_end)
                / 12).quantize(Decimal("0.01"))
    assert request.cost_to_year_end == expected
    assert request.charged_to


def test_the_staff_member_applies_directly_and_the_dean_collects_the_hod_and_fm_comments(aip):
    p = aip
    today = timezone.localdate()
    request = services.start_request(actor=p.staff_member.user, route="direct", subject=p.staff_member,
                                     data=good_data(today))
    assert request.state == "dean_intake"
    request = act(request, p.dean, "ask_for_comments")
    assert request.state == "comments"
    request = act(request, p.hod, "give_comments", comments="I did not support it: the work was shared.")
    assert request.state == "comments" and request.hod_comments.startswith("I did not")
    copy = Notification.objects.filter(recipient_id=p.staff_member.pk, subject__startswith="Copy: the HoD").first()
    assert copy is not None and "the work was shared" in copy.body
    # Nothing for the decider until both are in.
    assert not [a for a in services.available_actions(request, p.dean.user) if a.move.action == "approve"]
    request = act(request, p.fm_hps, "give_comments", comments="Supported.")
    assert request.state == "decision" and request.fm_comments == "Supported."
    request = act(request, p.dean, "approve")
    request = act(request, p.hr_services, "validate")
    assert request.state == "completed"
    assert ProgressionRequest.objects.get(pk=request.pk).pay_record.spine_point == 18


def test_at_the_top_of_the_automatic_zone_the_award_is_a_contribution_point(aip):
    p = aip
    today = timezone.localdate()
    grade = PayRecord.objects.filter(person=p.staff_member).first().grade
    PayRecord.objects.create(person=p.staff_member, grade=grade, spine_point=grade.top_automatic_point,
                             effective_from=today - dt.timedelta(days=30), reason=PayRecord.Reason.ANNUAL_INCREMENT)
    request = services.start_request(actor=p.hod.user, route="hod", subject=p.staff_member, data=good_data(today))
    assert request.kind == spine.CONTRIBUTION_POINT and request.new_point == grade.top_automatic_point + 1
    request = act(act(act(request, p.fm_hps, "fm_comment", comments="Yes."), p.dean, "approve"), p.hr_services,
                  "validate")
    assert request.pay_record.reason == PayRecord.Reason.CONTRIBUTION_POINT

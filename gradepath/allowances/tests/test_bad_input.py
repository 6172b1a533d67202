"""Bad input is refused with a sentence in the user's words and nothing is written, over the web and the
API alike: acting up of 6 weeks or less, dates out of order, beyond the normal length without a reason or
beyond the maximum, a post not of a higher grade, overlapping acting up, an amount of £0 or less or
absurd, text too long."""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.allowances import services
from gradepath.allowances.models import Allowance
from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.workflow.models import Task

pytestmark = pytest.mark.django_db


def _counts():
    return Allowance.objects.count(), Task.objects.filter(process="allowances").count(), HistoryEntry.objects.count()


def acting_up_cases(p):
    start = p.today + dt.timedelta(days=10)
    return [
        ("exactly 6 weeks", dict(start_date=start, end_date=start + dt.timedelta(days=41)),
         "more than 6 consecutive weeks"),
        ("dates out of order", dict(start_date=start, end_date=start - dt.timedelta(days=1)), "before the start date"),
        ("over 12 months without a reason", dict(start_date=start, end_date=start + dt.timedelta(days=400)),
         "Give the reason"),
        ("over the maximum", dict(start_date=start, end_date=start + dt.timedelta(days=800),
                                  long_reason="A long project."), "at most 24 months"),
        ("a post of the same grade", dict(start_date=start, end_date=start + dt.timedelta(days=100),
                                          post=p.same_post), "not above"),
        ("text too long", dict(start_date=start, end_date=start + dt.timedelta(days=100), duties="x" * 5001),
         "at most 5,000 characters"),
    ]


def test_each_bad_acting_up_proposal_is_refused_in_words_and_writes_nothing(allowances):
    p = allowances
    for label, values, words in acting_up_cases(p):
        before = _counts()
        values = {"post": p.senior_post, **values}
        with pytest.raises(ServiceError) as refused:
            services.propose_acting_up(actor=p.line_manager.user, person=p.staff_member, **values)
        assert words in str(refused.value.messages[0]), label
        assert _counts() == before, label


def test_more_than_12_months_with_a_reason_is_accepted(allowances):
    p = allowances
    start = p.today + dt.timedelta(days=10)
    allowance = services.propose_acting_up(actor=p.line_manager.user, person=p.staff_member, post=p.senior_post,
                                           start_date=start, end_date=start + dt.timedelta(days=500),
                                           long_reason="The post holder is on a two-year research leave.")
    assert allowance.state == "fm_approval"


def test_overlapping_acting_up_is_refused_for_the_person_and_for_the_post(allowances):
    p = allowances
    start = p.today + dt.timedelta(days=10)
    services.propose_acting_up(actor=p.line_manager.user, person=p.staff_member, post=p.senior_post,
                               start_date=start, end_date=start + dt.timedelta(days=100))
    before = _counts()
    with pytest.raises(ServiceError, match="overlaps these dates"):
        services.propose_acting_up(actor=p.line_manager.user, person=p.staff_member, post=p.lead_post,
                                   start_date=start + dt.timedelta(days=50), end_date=start + dt.timedelta(days=200))
    assert _counts() == before
    # Another report of the same manager, in the same post at the same time.
    from gradepath.allowances.tests.conftest import make_person
    from gradepath.grades.models import Grade, PayRecord
    from gradepath.testing.factories import AppointmentFactory, PostFactory

    riley = make_person("riley.owens", "Riley", "Owens", line_manager=p.line_manager)
    post = PostFactory(post_number="BIO-0102", org_unit=p.department, title="Research Technician",
                       grade=Grade.objects.get(number=5))
    AppointmentFactory(person=riley, post=post, start_date=dt.date(2022, 4, 1))
    PayRecord.objects.create(person=riley, grade=Grade.objects.get(number=5), spine_point=18,
                             effective_from=dt.date(2022, 4, 1), reason=PayRecord.Reason.APPOINTMENT, post=post)
    with pytest.raises(ServiceError, match="one person acts up in a post at a time"):
        services.propose_acting_up(actor=p.line_manager.user, person=riley, post=p.senior_post,
                                   start_date=start + dt.timedelta(days=90), end_date=start + dt.timedelta(days=190))
    assert _counts() == before


@pytest.mark.parametrize(("amount", "words"), [(0, "more than £0"), (-50, "more than £0"),
                                               (10_000_001, "more than an honorarium can be"),
                                               ("lots", "whole number of pounds")])
def test_an_honorarium_of_nothing_or_an_absurd_amount_is_refused(allowances, amount, words):
    p = allowances
    before = _counts()
    with pytest.raises(ServiceError, match=words):
        services.propose_honorarium(actor=p.line_manager.user, person=p.staff_member, duties="Safety lead.",
                                    amount=amount, payment="once", start_date=p.today)
    assert _counts() == before


def test_a_monthly_honorarium_needs_its_end_in_order(allowances):
    p = allowances
    for end, words in ((None, "needs the date its period ends"), (p.today - dt.timedelta(days=3), "before the start"),
                       (p.today + dt.timedelta(days=400), "at most 12 months")):
        with pytest.raises(ServiceError, match=words):
            services.propose_honorarium(actor=p.line_manager.user, person=p.staff_member, duties="Safety lead.",
                                        amount=100, payment="monthly", start_date=p.today, end_date=end)
    assert _counts()[0] == 0


def test_the_web_form_refuses_bad_input_with_the_sentence_and_writes_nothing(allowances, login):
    p = allowances
    client = login(p.line_manager)
    for label, values, words in acting_up_cases(p):
        post = values.pop("post", p.senior_post)
        form = {"person": p.staff_member.pk, "post_number": post.post_number, "duties": "", "long_reason": "",
                **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}}
        before = _counts()
        response = client.post("/acting-up/propose/acting-up/", form)
        assert response.status_code == 400, label
        assert words.replace("'", "&#x27;") in response.content.decode(), label
        assert _counts() == before, label
    response = client.post("/acting-up/propose/honorarium/", {"person": p.staff_member.pk, "duties": "Safety lead.",
                                                              "amount": "0", "payment": "once",
                                                              "start_date": p.today.isoformat()})
    assert response.status_code == 400 and "more than £0" in response.content.decode()
    response = client.post("/acting-up/propose/acting-up/", {"person": p.staff_member.pk, "post_number": "NOPE-1",
                                                             "start_date": p.today.isoformat(),
                                                             "end_date": p.today.isoformat()})
    assert response.status_code == 400 and "There is no post NOPE-1" in response.content.decode()
    assert _counts()[0] == 0


def test_the_api_refuses_bad_input_with_the_sentence_and_writes_nothing(allowances, api):
    p = allowances
    client = api(p.line_manager)
    for label, values, words in acting_up_cases(p):
        post = values.pop("post", p.senior_post)
        body = {"person": p.staff_member.pk, "post": post.pk,
                **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}}
        before = _counts()
        response = client.post("/api/allowances/propose-acting-up/", body, format="json")
        assert response.status_code == 400, (label, response.content)
        assert words in response.json()["detail"], label
        assert _counts() == before, label
    response = client.post("/api/allowances/propose-honorarium/",
                           {"person": p.staff_member.pk, "duties": "Safety lead.", "amount": -5, "payment": "once",
                            "start_date": p.today.isoformat()}, format="json")
    assert response.status_code == 400 and "more than £0" in response.json()["detail"]
    assert _counts()[0] == 0


def test_a_move_with_an_absurd_amount_or_a_long_reason_is_refused_over_the_api(allowances, api):
    p = allowances
    allowance = services.propose_honorarium(actor=p.line_manager.user, person=p.staff_member, duties="Safety lead.",
                                            amount=500, payment="once", start_date=p.today)
    client = api(p.hr_services)
    for data in ({"amount": 0, "reason": "Less."}, {"amount": 99_999_999, "reason": "More."},
                 {"amount": 400, "reason": "x" * 2001}, {"amount": 400}):
        response = client.post(f"/api/allowances/{allowance.pk}/perform/",
                               {"action": "propose_amount", "step": allowance.step, "data": data}, format="json")
        assert response.status_code == 400, data
    allowance.refresh_from_db()
    assert (allowance.state, allowance.hr_amount) == ("hr_agreement", None)


def test_a_bad_early_end_on_the_page_is_refused_in_words_and_nothing_changes(allowances, login):
    import uuid

    from gradepath.allowances.tests.conftest import make_allowance
    from gradepath.grades.models import PayRecord

    p = allowances
    allowance = make_allowance(p, "acting_up", "pay_confirmation", start=p.today - dt.timedelta(days=20),
                               end=p.today + dt.timedelta(days=60))
    allowance = services.perform_action(actor=p.hr_services.user, allowance=allowance, action="confirm_pay", step=0)
    client = login(p.hr_services)
    records = PayRecord.objects.count()
    for last_day, reason, words in ((p.today + dt.timedelta(days=60), "Back.", "not before the end date"),
                                    (p.today - dt.timedelta(days=30), "Back.", "before acting up started"),
                                    (p.today, "", "Give a reason"), ("", "Back.", "Give the last day")):
        response = client.post(f"/acting-up/{allowance.pk}/act/end_early/", {
            "end_early-step": str(allowance.step), "end_early-idempotency_key": str(uuid.uuid4()),
            "end_early-last_day": last_day.isoformat() if last_day else "", "end_early-reason": reason})
        assert response.status_code == 400 and words in response.content.decode(), words
        allowance.refresh_from_db()
        assert allowance.state == "acting" and PayRecord.objects.count() == records


def test_an_absurd_counter_proposal_on_the_page_is_refused_in_words(allowances, login):
    import uuid

    p = allowances
    allowance = services.propose_honorarium(actor=p.line_manager.user, person=p.staff_member, duties="Safety lead.",
                                            amount=500, payment="once", start_date=p.today)
    client = login(p.hr_services)
    for amount, words in (("0", "at least 1"), ("99999999", "at most 10,000"), ("", "Give the amount you propose"),
                          ("500", "agree it instead")):
        response = client.post(f"/acting-up/{allowance.pk}/act/propose_amount/", {
            "propose_amount-step": str(allowance.step), "propose_amount-idempotency_key": str(uuid.uuid4()),
            "propose_amount-amount": amount, "propose_amount-reason": "The scale."})
        assert response.status_code == 400 and words in response.content.decode(), words
    allowance.refresh_from_db()
    assert (allowance.state, allowance.hr_amount) == ("hr_agreement", None)

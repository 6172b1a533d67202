"""The payroll change export: processed regrades for a period, as CSV (page and command)."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from gradepath.grading import services
from gradepath.grading.payroll import PayrollChange, parse_period, payroll_changes, write_csv
from gradepath.jobs.services import save_draft

pytestmark = pytest.mark.django_db

EFFECTIVE = dt.date(2026, 6, 1)


def act(case, person, action, **data):
    return services.perform_action(actor=person.user, case=case, action=action, step=case.step, data=data)


def regrade(p, *, effective=EFFECTIVE, process=True, outcome="higher_grade", grade=6, **process_data):
    """Sam Patel's Direct Route case decided (grade 6 unless told) and processed by HR Services."""
    case = services.start_direct_route_case(actor=p.staff_member.user, subject=p.staff_member)
    case = act(case, p.line_manager, "record_discussion", reason="Discussed on 3 March.")
    save_draft(actor=p.staff_member.user, version=case.proposed_version, base_revision=case.proposed_version.revision,
               changes={"duties": ["Supervise two technicians.", "Prepare reagents and solutions."]})
    case = act(case, p.staff_member, "submit_proposal", recommended_grade=6)
    case = act(case, p.line_manager, "confirm_jd")
    case = act(case, p.line_manager, "submit_to_fm")
    case = act(case, p.delegate, "record_grade_agreement")
    case = act(case, p.hrbp, "confirm_by_match", matched_agreed=p.senior_agreed.pk)
    case = act(case, p.hrbp, "record_fairness", fairness_issue=False, assessment="No other holder of this JD.")
    if case.state == "manager_discussion":
        case = act(case, p.hrbp, "record_manager_discussion", reason="Discussed with the line manager.")
    case = act(case, p.hrbp, "decide", outcome=outcome, grade=grade,
               **({"grade_difference_reason": "Decided on the evidence."} if grade != 6 else {}))
    if process:
        case = act(case, p.hr_services, "process", effective_date=effective.isoformat(), **process_data)
    return case


def test_a_processed_regrade_in_the_period_is_exported_with_old_and_new_pay(grading):
    case = regrade(grading, allowances_stopped="Responsibility allowance")
    rows = payroll_changes(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert rows == [PayrollChange(
        employee_number=grading.staff_member.employee_number, name="Sam Patel", post_id="BIO-0101",
        old_grade=5, old_spine_point=17, new_grade=6, new_spine_point=21, effective_date=EFFECTIVE,
        reason="Regrade", case_reference=case.reference, pay_protected=False,
        allowances_stopped="Responsibility allowance",
    )]


def test_regrades_outside_the_period_and_undecided_cases_are_not_exported(grading):
    regrade(grading)
    assert payroll_changes(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == []
    assert payroll_changes(dt.date(2026, 6, 2), dt.date(2026, 7, 31)) == []
    assert len(payroll_changes(dt.date(2026, 6, 1), dt.date(2026, 6, 1))) == 1


def test_a_case_waiting_for_hr_services_is_not_a_payroll_change_yet(grading):
    case = regrade(grading, process=False)
    assert case.state == "hr_processing"
    assert payroll_changes(dt.date(2000, 1, 1), dt.date(2100, 1, 1)) == []


def test_the_csv_has_a_header_yes_no_flags_and_no_spreadsheet_formulas():
    row = PayrollChange(employee_number="E1", name="=HYPERLINK(\"x\")", post_id="P-1", old_grade=5,
                        old_spine_point=17, new_grade=6, new_spine_point=21, effective_date=EFFECTIVE,
                        reason="Regrade", case_reference="GC-2026-0001", pay_protected=True, allowances_stopped="")
    out = io.StringIO()
    write_csv([row], out)
    header, line = list(csv.reader(io.StringIO(out.getvalue())))
    assert header[:3] == ["Employee number", "Name", "Post id"] and "Pay protected" in header
    assert line == ["E1", "'=HYPERLINK(\"x\")", "P-1", "5", "17", "6", "21", "2026-06-01", "Regrade",
                    "GC-2026-0001", "Yes", ""]


def test_the_period_defaults_to_this_month_and_refuses_bad_dates():
    assert parse_period("", None, today=dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(ValueError, match="is not a date: give it as YYYY-MM-DD"):
        parse_period("2026-02-30", "", today=dt.date(2026, 2, 14))
    with pytest.raises(ValueError, match="ends .* before it starts"):
        parse_period("2026-03-01", "2026-02-01", today=dt.date(2026, 2, 14))


def test_hr_services_download_the_period_as_csv(grading, client):
    case = regrade(grading)
    client.force_login(grading.hr_services.user)
    response = client.get(reverse("grading:payroll-export"), {"start": "2026-06-01", "end": "2026-06-30"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="payroll-changes-2026-06-01-to-2026-06-30.csv"' in response["Content-Disposition"]
    body = response.content.decode()
    assert case.reference in body and grading.staff_member.employee_number in body


def test_a_bad_date_on_the_page_gets_a_clear_message(grading, client):
    client.force_login(grading.hr_services.user)
    response = client.get(reverse("grading:payroll-export"), {"start": "June"})
    assert response.status_code == 400
    assert "The start date “June” is not a date" in response.content.decode()


@pytest.mark.parametrize("persona", ["hrbp", "staff_member", "line_manager", "fm_hps", "administrator", "outsider"])
def test_only_hr_services_find_the_payroll_export(grading, client, persona):
    client.force_login(getattr(grading, persona).user)
    assert client.get(reverse("grading:payroll-export")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("grading:payroll-export"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_payroll_export_refuses_post(grading, client):
    client.force_login(grading.hr_services.user)
    assert client.post(reverse("grading:payroll-export")).status_code == 405


def test_the_command_writes_the_csv_to_a_file_or_standard_output(grading, tmp_path, capsys):
    case = regrade(grading)
    target = tmp_path / "june.csv"
    call_command("payroll-export", "--start", "2026-06-01", "--end", "2026-06-30", "--output", str(target))
    assert case.reference in target.read_text() and "Wrote 1 payroll change effective" in capsys.readouterr().err
    call_command("payroll-export", "--start", "2026-06-01", "--end", "2026-06-30")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Employee number,Name") and case.reference in lines[1] and len(lines) == 2


def test_the_command_refuses_bad_dates_clearly(db):
    with pytest.raises(CommandError, match="The end date “2026-13-01” is not a date"):
        call_command("payroll-export", "--start", "2026-06-01", "--end", "2026-13-01")



def test_a_pay_protected_regrade_says_so_in_the_export(grading):
    case = regrade(grading, outcome="lower_grade", grade=4, pay_protection=True)
    assert case.pay_protected
    (row,) = payroll_changes(EFFECTIVE, EFFECTIVE)
    assert (row.old_grade, row.old_spine_point, row.new_grade) == (5, 17, 4)
    assert row.pay_protected is True and row.new_spine_point == case.new_spine_point

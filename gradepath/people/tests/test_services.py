"""The people services: each checks permission and state, and writes history in the same transaction."""

import datetime as dt

import pytest
from django.utils import timezone

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import timeline_for
from gradepath.core.models import HistoryEntry
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment, Delegation, OrgUnit, Person
from gradepath.people.relations import acting_capacity
from gradepath.people.services import (
    create_org_unit,
    create_person,
    create_post,
    end_appointment,
    grant_delegation,
    revoke_delegation,
    set_line_manager,
    start_appointment,
    update_org_unit,
    update_person,
    update_post,
)
from gradepath.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _today():
    return timezone.localdate()


def _grant(personas, actor, **overrides):
    kwargs = {
        "delegator": personas.fm_hps, "delegate": personas.line_manager, "role": "fm_hps",
        "org_unit": personas.faculty, "start_date": _today(), "end_date": _today() + dt.timedelta(days=14),
        "reason": "Conference",
    }
    kwargs.update(overrides)
    return grant_delegation(actor=actor, **kwargs)


# --- Delegation --------------------------------------------------------------------------------


def test_holder_delegates_their_role_with_history_and_a_notification(personas):
    delegation = _grant(personas, personas.fm_hps.user)
    assert delegation.created_by == personas.fm_hps.user
    entry = timeline_for(delegation).get()
    assert entry.action == "delegation.granted"
    assert entry.person_id == personas.line_manager.pk
    assert Notification.objects.filter(recipient=personas.line_manager,
                                       subject="You are Fiona Marsh's delegate").exists()
    assert acting_capacity(personas.line_manager, personas.department, "fm_hps") is not None


def test_administrator_may_record_a_delegation_for_the_holder(personas):
    delegation = _grant(personas, personas.administrator.user)
    assert delegation.delegator == personas.fm_hps


@pytest.mark.parametrize("persona", ["line_manager", "delegate", "hrbp", "hr_services", "outsider"])
def test_only_the_holder_or_an_administrator_can_delegate(personas, persona):
    with pytest.raises(PermissionDenied, match="Only the role holder or an administrator can delegate a role."):
        _grant(personas, getattr(personas, persona).user)
    assert Delegation.objects.count() == 1


def test_delegation_to_yourself_is_refused(personas):
    with pytest.raises(ServiceError, match="A role cannot be delegated to the person who holds it."):
        _grant(personas, personas.fm_hps.user, delegate=personas.fm_hps)


def test_delegating_a_role_you_do_not_hold_is_refused(personas):
    with pytest.raises(ServiceError) as exc:
        _grant(personas, personas.fm_hps.user, role="hrbp")
    assert exc.value.messages == ["Fiona Marsh is not the HR Business Partner of Faculty of Life Sciences, "
                                  "so cannot delegate it."]


def test_a_delegate_cannot_pass_the_role_on(personas):
    with pytest.raises(ServiceError, match="Dan Lee is not the FM/HPS"):
        _grant(personas, personas.delegate.user, delegator=personas.delegate, delegate=personas.staff_member)


def test_delegation_dates_must_make_sense(personas):
    with pytest.raises(ServiceError, match="The delegation cannot end before it starts."):
        _grant(personas, personas.fm_hps.user, end_date=_today() - DAY)
    with pytest.raises(ServiceError, match="would already have ended"):
        _grant(personas, personas.fm_hps.user, start_date=_today() - dt.timedelta(days=10),
               end_date=_today() - DAY)


def test_an_inactive_person_cannot_be_a_delegate(personas):
    Person.objects.filter(pk=personas.line_manager.pk).update(is_active=False)
    personas.line_manager.refresh_from_db()
    with pytest.raises(ServiceError, match="Lina Morgan is no longer active"):
        _grant(personas, personas.fm_hps.user)


def test_unknown_role_is_refused(personas):
    with pytest.raises(ServiceError, match="Choose the role to delegate"):
        _grant(personas, personas.fm_hps.user, role="chancellor")


def test_revoking_ends_the_delegation_records_it_and_tells_the_delegate(personas):
    delegation = revoke_delegation(actor=personas.fm_hps.user, delegation=personas.delegation)
    assert delegation.revoked_by == personas.fm_hps.user
    assert not delegation.is_active()
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps") is None
    assert timeline_for(delegation).filter(action="delegation.revoked").count() == 1
    assert Notification.objects.filter(recipient=personas.delegate,
                                       subject="A delegation to you has been revoked").exists()


def test_only_the_delegator_or_an_administrator_can_revoke(personas):
    for persona in (personas.delegate, personas.hr_services, personas.outsider):
        with pytest.raises(PermissionDenied):
            revoke_delegation(actor=persona.user, delegation=personas.delegation)
    revoke_delegation(actor=personas.administrator.user, delegation=personas.delegation)


def test_revoking_twice_is_refused(personas):
    revoke_delegation(actor=personas.fm_hps.user, delegation=personas.delegation)
    with pytest.raises(ServiceError, match="This delegation has already been revoked."):
        revoke_delegation(actor=personas.fm_hps.user, delegation=personas.delegation)
    assert timeline_for(personas.delegation).filter(action="delegation.revoked").count() == 1


# --- Line managers ------------------------------------------------------------------------------


def test_line_manager_cycles_are_refused_with_the_reason(personas):
    with pytest.raises(ServiceError) as exc:
        set_line_manager(actor=personas.hr_services.user, person=personas.line_manager,
                         manager=personas.staff_member)
    assert exc.value.messages == [
        "Sam Patel reports (directly or indirectly) to Lina Morgan, so cannot be their line manager."
    ]
    personas.line_manager.refresh_from_db()
    assert personas.line_manager.line_manager is None


def test_longer_line_manager_cycles_are_refused_too(personas):
    trainee = PersonFactory(first_name="Tom", last_name="Ng", line_manager=personas.staff_member)
    with pytest.raises(ServiceError, match="Tom Ng reports \\(directly or indirectly\\) to Lina Morgan"):
        set_line_manager(actor=personas.hr_services.user, person=personas.line_manager, manager=trainee)


def test_nobody_is_their_own_line_manager(personas):
    with pytest.raises(ServiceError, match="A person cannot be their own line manager."):
        set_line_manager(actor=personas.hr_services.user, person=personas.staff_member,
                         manager=personas.staff_member)


def test_new_line_manager_is_recorded_and_told(personas):
    set_line_manager(actor=personas.hr_services.user, person=personas.staff_member, manager=personas.fm_hps)
    entry = timeline_for(personas.staff_member).get(action="person.updated")
    assert entry.before == {"line_manager": "Lina Morgan"}
    assert entry.after == {"line_manager": "Fiona Marsh"}
    assert Notification.objects.filter(recipient=personas.fm_hps, subject="Sam Patel now reports to you").exists()


# --- Person records: who may change which field --------------------------------------------------------


def test_line_manager_cannot_change_anything_on_a_reports_record(personas):
    for changes in ({"known_as": "Sammy"}, {"probation_end": dt.date(2030, 1, 1)}, {"line_manager": None}):
        with pytest.raises(PermissionDenied, match="You can read this record but not change it."):
            update_person(actor=personas.line_manager.user, person=personas.staff_member, changes=changes)
    personas.staff_member.refresh_from_db()
    assert personas.staff_member.known_as == ""
    assert not timeline_for(personas.staff_member).exists()


def test_staff_member_may_change_only_their_known_as_name(personas):
    update_person(actor=personas.staff_member.user, person=personas.staff_member, changes={"known_as": "Sammy"})
    with pytest.raises(PermissionDenied, match="You cannot change last_name on this record."):
        update_person(actor=personas.staff_member.user, person=personas.staff_member,
                      changes={"last_name": "Smith", "known_as": "S"})
    personas.staff_member.refresh_from_db()
    assert (personas.staff_member.known_as, personas.staff_member.last_name) == ("Sammy", "Patel")


def test_hr_services_can_change_a_record_and_the_change_is_recorded(personas):
    update_person(actor=personas.hr_services.user, person=personas.staff_member,
                  changes={"last_name": "Patel-Jones", "probation_end": dt.date(2026, 12, 31)})
    personas.staff_member.refresh_from_db()
    assert personas.staff_member.last_name == "Patel-Jones"
    entry = timeline_for(personas.staff_member).get()
    assert entry.actor == personas.hr_services.user
    assert entry.before == {"last_name": "Patel", "probation_end": None}
    assert entry.after == {"last_name": "Patel-Jones", "probation_end": "2026-12-31"}


def test_an_update_that_changes_nothing_writes_no_history(personas):
    update_person(actor=personas.hr_services.user, person=personas.staff_member, changes={"last_name": "Patel"})
    assert not timeline_for(personas.staff_member).exists()


def test_e_mail_addresses_stay_unique(personas):
    with pytest.raises(ServiceError, match="already belongs to someone else"):
        update_person(actor=personas.hr_services.user, person=personas.staff_member,
                      changes={"work_email": personas.line_manager.work_email.upper()})


def test_create_person_refuses_duplicates_and_records_the_new_person(personas):
    person = create_person(actor=personas.hr_services.user, employee_number="E900001", first_name="Ana",
                           last_name="Silva", work_email="ana.silva@example.ac.uk", staff_category="pss")
    assert timeline_for(person).get().action == "person.created"
    with pytest.raises(ServiceError, match="Employee number E900001 is already in use."):
        create_person(actor=personas.hr_services.user, employee_number="E900001", first_name="A",
                      last_name="B", work_email="other@example.ac.uk", staff_category="pss")
    with pytest.raises(PermissionDenied):
        create_person(actor=personas.line_manager.user, employee_number="E900002", first_name="A",
                      last_name="B", work_email="b@example.ac.uk", staff_category="pss")


# --- Appointments -------------------------------------------------------------------------------------


def test_overlapping_substantive_appointments_are_refused(personas):
    with pytest.raises(ServiceError) as exc:
        start_appointment(actor=personas.hr_services.user, person=personas.staff_member, post=personas.staff_post,
                          start_date=dt.date(2025, 1, 1))
    assert exc.value.messages == [
        "Sam Patel already has a substantive appointment (Research Technician (BIO-0101)) from 01 Sep 2021 "
        "that overlaps these dates. End it first."
    ]
    assert Appointment.objects.filter(person=personas.staff_member).count() == 1


def test_a_new_substantive_appointment_after_the_old_one_ends_is_allowed(personas):
    current = Appointment.objects.get(person=personas.staff_member)
    end_appointment(actor=personas.hr_services.user, appointment=current, end_date=dt.date(2026, 3, 31))
    new = start_appointment(actor=personas.hr_services.user, person=personas.staff_member,
                            post=personas.staff_post, start_date=dt.date(2026, 4, 1))
    actions = list(HistoryEntry.objects.filter(person_id=personas.staff_member.pk)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["appointment.ended", "appointment.started"]
    assert timeline_for(new).get().action == "appointment.started"


def test_ending_on_the_day_the_next_starts_overlaps(personas):
    current = Appointment.objects.get(person=personas.staff_member)
    end_appointment(actor=personas.hr_services.user, appointment=current, end_date=dt.date(2026, 4, 1))
    with pytest.raises(ServiceError, match="overlaps these dates"):
        start_appointment(actor=personas.hr_services.user, person=personas.staff_member,
                          post=personas.staff_post, start_date=dt.date(2026, 4, 1))


@pytest.mark.parametrize("kind", ["secondment", "acting_up"])
def test_secondment_and_acting_up_need_an_end_date(personas, kind):
    with pytest.raises(ServiceError, match="is temporary: give its end date."):
        start_appointment(actor=personas.hr_services.user, person=personas.staff_member,
                          post=personas.staff_post, kind=kind, start_date=dt.date(2026, 1, 1))
    appointment = start_appointment(actor=personas.hr_services.user, person=personas.staff_member,
                                    post=personas.staff_post, kind=kind, start_date=dt.date(2026, 1, 1),
                                    end_date=dt.date(2026, 12, 31))
    assert appointment.kind == kind  # alongside the substantive appointment, which continues


def test_appointments_cannot_end_before_they_start(personas):
    current = Appointment.objects.get(person=personas.staff_member)
    with pytest.raises(ServiceError, match="The appointment cannot end before it starts."):
        end_appointment(actor=personas.hr_services.user, appointment=current, end_date=dt.date(2020, 1, 1))


def test_line_manager_cannot_record_appointments(personas):
    with pytest.raises(PermissionDenied, match="Only HR Services or an administrator can record appointments."):
        start_appointment(actor=personas.line_manager.user, person=personas.staff_member,
                          post=personas.staff_post, kind="acting_up", start_date=dt.date(2026, 1, 1),
                          end_date=dt.date(2026, 6, 30))


# --- Org units and posts ---------------------------------------------------------------------------------


def test_moving_a_unit_updates_the_paths_of_every_unit_below(personas):
    admin = personas.administrator.user
    section = create_org_unit(actor=admin, code="BIOSC-LAB", name="Teaching Labs", kind="section",
                              parent=personas.department)
    medicine = create_org_unit(actor=admin, code="MED", name="Faculty of Medicine", kind="faculty")
    update_org_unit(actor=admin, unit=personas.department, parent=medicine)
    personas.department.refresh_from_db()
    section.refresh_from_db()
    assert personas.department.path == f"/{medicine.pk}/{personas.department.pk}/"
    assert section.path == f"/{medicine.pk}/{personas.department.pk}/{section.pk}/"
    assert section.ancestor_ids == [medicine.pk, personas.department.pk, section.pk]
    entry = timeline_for(personas.department).get(action="org_unit.updated")
    assert entry.after == {"parent": "Faculty of Medicine"}
    # Roles now come from the new faculty: Fiona Marsh is no longer the FM/HPS here.
    assert acting_capacity(personas.fm_hps, section, "fm_hps") is None


def test_a_unit_cannot_move_inside_itself(personas):
    admin = personas.administrator.user
    section = create_org_unit(actor=admin, code="BIOSC-LAB", name="Teaching Labs", kind="section",
                              parent=personas.department)
    with pytest.raises(ServiceError, match="Teaching Labs is inside Division of Biosciences, so it cannot be its parent."):
        update_org_unit(actor=admin, unit=personas.department, parent=section)
    personas.department.refresh_from_db()
    assert personas.department.parent == personas.faculty


def test_faculties_sit_at_the_top_and_departments_below(personas):
    admin = personas.administrator.user
    with pytest.raises(ServiceError, match="has no parent unit"):
        create_org_unit(actor=admin, code="X1", name="X", kind="faculty", parent=personas.faculty)
    with pytest.raises(ServiceError, match="must belong to a faculty"):
        create_org_unit(actor=admin, code="X2", name="X", kind="department")
    with pytest.raises(ServiceError, match="There is already a unit with the code LIFE."):
        create_org_unit(actor=admin, code="LIFE", name="Life again", kind="faculty")


def test_only_administrators_change_the_structure(personas):
    for persona in (personas.hr_services, personas.fm_hps, personas.line_manager):
        with pytest.raises(PermissionDenied, match="Only an administrator can change the organisation structure."):
            create_org_unit(actor=persona.user, code="NEW", name="New", kind="faculty")
        with pytest.raises(PermissionDenied):
            update_org_unit(actor=persona.user, unit=personas.department, name="Renamed")
    assert not OrgUnit.objects.filter(code="NEW").exists()


def test_unit_and_post_services_write_history(personas):
    admin = personas.administrator.user
    unit = create_org_unit(actor=admin, code="ENG", name="Faculty of Engineering", kind="faculty")
    update_org_unit(actor=admin, unit=unit, name="Faculty of Engineering and Design")
    post = create_post(actor=admin, post_number="ENG-0001", org_unit=unit, title="Workshop Technician", fte="0.6")
    update_post(actor=admin, post=post, changes={"title": "Senior Workshop Technician"})
    assert list(timeline_for(unit).order_by("id").values_list("action", flat=True)) == [
        "org_unit.created", "org_unit.updated"]
    assert list(timeline_for(post).order_by("id").values_list("action", flat=True)) == [
        "post.created", "post.updated"]
    assert unit.path == f"/{unit.pk}/"


def test_post_fte_must_be_a_fraction_of_full_time(personas):
    with pytest.raises(ServiceError, match="FTE must be more than 0 and at most 1"):
        create_post(actor=personas.administrator.user, post_number="ENG-0002", org_unit=personas.estates,
                    title="Porter", fte="1.5")


# --- Separation of duties ---------------------------------------------------------------------------


def test_hr_services_cannot_change_their_own_probation_end(personas):
    with pytest.raises(PermissionDenied):
        update_person(actor=personas.hr_services.user, person=personas.hr_services,
                      changes={"probation_end": dt.date(2020, 1, 1)})


def test_delegate_cannot_act_for_the_holder_on_a_matter_about_the_holder(personas):
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps", subject=personas.fm_hps) is None

"""Relationship roles (people.relations) and the access gates built on them (people.permissions)."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from gradepath.core.models import HistoryEntry
from gradepath.people.models import Delegation, EqualityData, OrgUnit
from gradepath.people.permissions import (
    get_delegation_for_user,
    get_equality_data_for_user,
    get_person_for_user,
    get_unit_for_user,
    visible_people,
    visible_units,
)
from gradepath.people.relations import (
    acting_capacity,
    management_chain,
    nearest_holder,
    report_ids,
    scope_unit_ids,
)
from gradepath.testing.factories import (
    AppointmentFactory,
    OrgUnitFactory,
    PersonFactory,
    PostFactory,
)
from gradepath.testing.unit_roles import assign_unit_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


# --- Delegation dates --------------------------------------------------------------------------


def test_delegate_acts_only_inside_the_delegation_dates_inclusive(personas):
    d = personas.delegation  # today − 7 days … today + 30 days
    unit = personas.department
    assert acting_capacity(personas.delegate, unit, "fm_hps", on=d.start_date - DAY) is None
    assert acting_capacity(personas.delegate, unit, "fm_hps", on=d.start_date) is not None
    assert acting_capacity(personas.delegate, unit, "fm_hps", on=d.end_date) is not None
    assert acting_capacity(personas.delegate, unit, "fm_hps", on=d.end_date + DAY) is None


def test_delegate_capacity_names_whose_delegate_they_are(personas):
    capacity = acting_capacity(personas.delegate, personas.department, "fm_hps")
    assert capacity.delegate_of == personas.fm_hps
    assert str(capacity) == "delegate of Fiona Marsh (FM/HPS of Division of Biosciences)"
    assert str(acting_capacity(personas.fm_hps, personas.department, "fm_hps")) == "FM/HPS of Division of Biosciences"


def test_revoking_a_delegation_ends_it_at_once(personas):
    Delegation.objects.filter(pk=personas.delegation.pk).update(revoked_at=timezone.now())
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps") is None
    assert not Delegation.objects.active().filter(pk=personas.delegation.pk).exists()


def test_delegation_covers_only_the_role_delegated(personas):
    assert acting_capacity(personas.delegate, personas.faculty, "hrbp") is None
    assert acting_capacity(personas.delegate, personas.faculty, "head") is None


def test_delegation_does_not_reach_units_outside_the_delegated_unit(personas):
    assign_unit_role(personas.estates, "fm_hps", personas.fm_hps)
    assert acting_capacity(personas.fm_hps, personas.estates, "fm_hps") is not None
    assert acting_capacity(personas.delegate, personas.estates, "fm_hps") is None


# --- Nobody acts on a matter about themselves ------------------------------------------------------


def test_delegate_never_acts_on_a_matter_about_themselves(personas):
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps", subject=personas.staff_member) is not None
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps", subject=personas.delegate) is None


def test_role_holder_never_acts_on_a_matter_about_themselves(personas):
    assert acting_capacity(personas.fm_hps, personas.faculty, "fm_hps", subject=personas.fm_hps) is None
    assert acting_capacity(personas.hrbp, personas.department, "hrbp", subject=personas.hrbp) is None


def test_nobody_acts_without_a_person_record(personas):
    assert acting_capacity(None, personas.faculty, "fm_hps") is None


# --- Nearest holder up the tree ---------------------------------------------------------------------


def test_a_unit_without_its_own_holder_inherits_the_nearest_one_above(personas):
    section = OrgUnitFactory(code="BIOSC-LAB", name="Teaching Labs", kind=OrgUnit.Kind.SECTION,
                             parent=personas.department)
    assert nearest_holder(section, "fm_hps") == personas.fm_hps
    assert nearest_holder(section, "hrbp") == personas.hrbp
    assert nearest_holder(personas.estates, "fm_hps") is None


def test_a_unit_that_names_its_own_holder_overrides_the_one_above(personas):
    section = OrgUnitFactory(code="BIOSC-LAB", name="Teaching Labs", kind=OrgUnit.Kind.SECTION,
                             parent=personas.department)
    own_hrbp = PersonFactory(first_name="Omar", last_name="Reid")
    assign_unit_role(personas.department, "hrbp", own_hrbp)
    assert nearest_holder(personas.faculty, "hrbp") == personas.hrbp
    assert nearest_holder(personas.department, "hrbp") == own_hrbp
    assert nearest_holder(section, "hrbp") == own_hrbp
    assert acting_capacity(personas.hrbp, section, "hrbp") is None
    assert acting_capacity(own_hrbp, section, "hrbp") is not None


def test_delegation_lapses_below_a_unit_that_names_another_holder(personas):
    own_fm = PersonFactory(first_name="Nina", last_name="Shah")
    assign_unit_role(personas.department, "fm_hps", own_fm)
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps") is not None
    assert acting_capacity(personas.delegate, personas.department, "fm_hps") is None


def test_delegation_lapses_when_the_delegator_is_no_longer_the_holder(personas):
    successor = PersonFactory(first_name="Grace", last_name="Holt")
    assign_unit_role(personas.faculty, "fm_hps", successor)
    assert acting_capacity(personas.delegate, personas.faculty, "fm_hps") is None


def test_delegate_of_a_former_holder_no_longer_sees_the_units_staff(personas):
    successor = PersonFactory(first_name="Grace", last_name="Holt")
    assign_unit_role(personas.faculty, "fm_hps", successor)
    assert not visible_people(personas.delegate.user).filter(pk=personas.staff_member.pk).exists()


# --- Scope, reports and the management chain ---------------------------------------------------------


def test_scope_of_a_holder_and_their_delegate_is_the_unit_and_everything_below(personas):
    expected = {personas.faculty.pk, personas.department.pk}
    assert scope_unit_ids(personas.fm_hps) == expected
    assert scope_unit_ids(personas.delegate) == expected
    assert scope_unit_ids(personas.delegate, on=personas.delegation.end_date + DAY) == set()
    assert scope_unit_ids(personas.outsider) == set()


def test_reports_are_found_at_every_level_and_the_chain_goes_up(personas):
    trainee = PersonFactory(first_name="Tom", last_name="Ng", line_manager=personas.staff_member)
    assert report_ids(personas.line_manager) == {personas.staff_member.pk, trainee.pk}
    assert report_ids(trainee) == set()
    assert management_chain(trainee) == [personas.staff_member, personas.line_manager]


# --- Access gates: strangers get 404 ------------------------------------------------------------------


def test_outsider_gets_404_for_other_people(personas):
    user = personas.outsider.user
    for other in (personas.staff_member, personas.line_manager, personas.fm_hps, personas.hr_services):
        with pytest.raises(Http404):
            get_person_for_user(user, other.pk)
    assert get_person_for_user(user, personas.outsider.pk) == personas.outsider


def test_person_gate_treats_junk_ids_as_missing(personas):
    for junk in ("abc", None, 10**9):
        with pytest.raises(Http404):
            get_person_for_user(personas.hr_services.user, junk)


def test_outsider_gets_404_for_units_they_have_no_part_in(personas):
    user = personas.outsider.user
    for unit in (personas.faculty, personas.department):
        with pytest.raises(Http404):
            get_unit_for_user(user, unit.pk)
    assert get_unit_for_user(user, personas.estates.pk) == personas.estates


def test_outsider_gets_404_for_a_delegation_between_others(personas):
    with pytest.raises(Http404):
        get_delegation_for_user(personas.outsider.user, personas.delegation.pk)
    with pytest.raises(Http404):
        get_delegation_for_user(personas.staff_member.user, personas.delegation.pk)
    assert get_delegation_for_user(personas.delegate.user, personas.delegation.pk) == personas.delegation
    assert get_delegation_for_user(personas.hrbp.user, personas.delegation.pk) == personas.delegation


def test_who_sees_whom(personas):
    def seen_by(persona):
        return set(visible_people(persona.user).values_list("pk", flat=True))

    staff, manager = personas.staff_member.pk, personas.line_manager.pk
    assert seen_by(personas.staff_member) == {staff}
    assert seen_by(personas.line_manager) == {manager, staff}
    assert {staff, manager, personas.delegate.pk, personas.fm_hps.pk} <= seen_by(personas.fm_hps)
    assert personas.outsider.pk not in seen_by(personas.fm_hps)
    assert seen_by(personas.delegate) == seen_by(personas.fm_hps) | {personas.delegate.pk}
    assert len(seen_by(personas.hrbp)) == len(personas.all())
    assert seen_by(personas.tc_lead) == {personas.tc_lead.pk}


def test_people_who_left_the_unit_drop_out_of_the_fm_hps_view(personas):
    leaver = PersonFactory(first_name="Lee", last_name="Ver")
    AppointmentFactory(person=leaver, post=PostFactory(org_unit=personas.department),
                       start_date=dt.date(2019, 1, 1), end_date=TODAY - DAY)
    assert not visible_people(personas.fm_hps.user).filter(pk=leaver.pk).exists()


def test_anonymous_users_see_nobody_and_no_unit(personas):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_people(AnonymousUser()).exists()
    assert not visible_units(AnonymousUser()).exists()


def test_line_manager_sees_their_reports_unit(personas):
    assert set(visible_units(personas.line_manager.user)) == {personas.department}


# --- Equality-monitoring data -----------------------------------------------------------------------------


def test_equality_data_read_is_audited(personas):
    EqualityData.objects.create(person=personas.staff_member, ethnicity="Prefer not to say")
    data = get_equality_data_for_user(personas.equality_viewer.user, personas.staff_member,
                                      purpose="equal_pay_audit")
    assert data.ethnicity == "Prefer not to say"
    entry = HistoryEntry.objects.get(action="equality_data.viewed")
    assert entry.person_id == personas.staff_member.pk
    assert entry.actor == personas.equality_viewer.user


def test_equality_data_is_refused_to_everyone_else_and_nothing_is_recorded(personas):
    EqualityData.objects.create(person=personas.staff_member, ethnicity="Prefer not to say")
    for persona in (personas.staff_member, personas.line_manager, personas.hrbp, personas.hr_services,
                    personas.administrator, personas.outsider):
        with pytest.raises(Http404):
            get_equality_data_for_user(persona.user, personas.staff_member, purpose="equal_pay_audit")
    assert not HistoryEntry.objects.filter(action="equality_data.viewed").exists()


def test_reading_an_empty_equality_record_is_audited_too(personas):
    assert get_equality_data_for_user(personas.equality_viewer.user, personas.outsider,
                                      purpose="statutory_reporting") is None
    assert HistoryEntry.objects.filter(action="equality_data.viewed", person_id=personas.outsider.pk).count() == 1


@pytest.mark.django_db
def test_the_management_chain_the_database_walks_is_everyone_below_the_manager(personas):
    """``report_ids_walked`` (one query) and ``reports_subquery`` (one subquery) find the same people as
    ``report_ids`` (one query a level), down the chain and not up it: a report's report is included, the
    manager's own manager and the manager are not."""
    from gradepath.people.models import Person
    from gradepath.people.relations import report_ids, report_ids_walked, reports_subquery

    p = personas
    report = PersonFactory(first_name="Test", last_name="Report", line_manager=p.line_manager)
    below = PersonFactory(first_name="Test", last_name="Below", line_manager=report)
    for manager in (p.line_manager, report, below, p.fm_hps, p.hr_services):
        expected = report_ids(Person.objects.get(pk=manager.pk))
        assert set(report_ids_walked(Person.objects.get(pk=manager.pk))) == expected, manager
        assert set(Person.objects.filter(pk__in=reports_subquery(manager)).values_list("pk", flat=True)) == expected
    assert {report.pk, below.pk, p.staff_member.pk} <= set(report_ids_walked(Person.objects.get(pk=p.line_manager.pk)))
    assert p.line_manager.pk not in set(report_ids_walked(Person.objects.get(pk=report.pk)))

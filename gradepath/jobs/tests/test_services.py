import pytest

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError
from gradepath.core.models import HistoryEntry
from gradepath.grades.models import Grade
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.testing.factories import JobFamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas):
    return services.create_job_description(
        actor=personas.line_manager.user, org_unit=personas.department, job_family=JobFamilyFactory(),
        staff_category="technical", job_title="Research Technician", area="Laboratory operations",
        purpose="To support the research groups.", duties=["Prepare solutions.", "Maintain equipment."],
    )


def test_new_job_description_starts_as_draft_version_one(draft):
    assert draft.number == 1 and draft.status == JDVersion.Status.DRAFT
    assert draft.jd.reference == "JD-000001"
    assert HistoryEntry.objects.filter(action="jd.created").count() == 1


def test_saving_a_draft_bumps_its_revision(personas, draft):
    saved = services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                                changes={"purpose": "To lead technical support."})
    assert saved.revision == 2 and saved.purpose == "To lead technical support."


def test_second_writer_with_a_stale_copy_is_told_and_nothing_is_lost(personas, draft):
    services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                        changes={"purpose": "First writer's text."})
    with pytest.raises(StaleStateError) as error:
        services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                            changes={"purpose": "Second writer's text."})
    assert error.value.current.purpose == "First writer's text."
    draft.refresh_from_db()
    assert draft.purpose == "First writer's text."


def test_html_is_stripped_from_section_text(personas, draft):
    saved = services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                                changes={"purpose": "<script>alert(1)</script><b>Support</b> research."})
    assert saved.purpose == "Support research."


def test_overlong_section_gets_a_clear_message_and_changes_nothing(personas, draft):
    with pytest.raises(ServiceError, match="limit is 10,000"):
        services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                            changes={"purpose": "x" * 10_001})
    draft.refresh_from_db()
    assert draft.revision == 1


def test_outsider_cannot_edit_a_draft(personas, draft):
    with pytest.raises(PermissionDenied):
        services.save_draft(actor=personas.outsider.user, version=draft, base_revision=1,
                            changes={"purpose": "Mine now."})


def test_submitted_version_cannot_be_edited_but_a_new_draft_can_start_from_it(personas, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    with pytest.raises(ServiceError, match="Start a new draft"):
        services.save_draft(actor=personas.line_manager.user, version=draft, base_revision=1,
                            changes={"purpose": "Changed."})
    new = services.start_new_draft(actor=personas.line_manager.user, version=draft)
    assert new.number == 2 and new.based_on == draft and new.duties == draft.duties
    assert services.start_new_draft(actor=personas.line_manager.user, version=draft) == new


def test_logging_an_agreed_version_supersedes_the_previous_one(personas, draft):
    grade5 = Grade.objects.get(number=5)
    services.submit_version(actor=personas.line_manager.user, version=draft)
    first = services.log_agreed_jd(actor=personas.hrbp.user, version=draft, grade=grade5)
    assert first.reference.startswith("AJD-") and first.is_current
    second_draft = services.start_new_draft(actor=personas.line_manager.user, version=draft)
    services.submit_version(actor=personas.line_manager.user, version=second_draft)
    second = services.log_agreed_jd(actor=personas.hrbp.user, version=second_draft, grade=Grade.objects.get(number=6))
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.status == JDVersion.Status.SUPERSEDED and not first.is_current
    assert list(AgreedJD.objects.filter(is_current=True)) == [second]


def test_only_an_hrbp_logs_agreed_jds(personas, draft):
    services.submit_version(actor=personas.line_manager.user, version=draft)
    with pytest.raises(PermissionDenied):
        services.log_agreed_jd(actor=personas.line_manager.user, version=draft, grade=Grade.objects.get(number=5))


def test_match_needs_a_reason(personas, draft):
    other = services.copy_and_adapt(actor=personas.line_manager.user, version=draft, org_unit=personas.department)
    services.submit_version(actor=personas.line_manager.user, version=draft)
    agreed = services.log_agreed_jd(actor=personas.hrbp.user, version=draft, grade=Grade.objects.get(number=5))
    with pytest.raises(ServiceError, match="Say why"):
        services.record_match(actor=personas.line_manager.user, version=other, agreed_jd=agreed, reason="  ")
    decision = services.record_match(actor=personas.line_manager.user, version=other, agreed_jd=agreed,
                                     reason="Same duties, same team size.")
    assert other.match_decisions.first() == decision


def test_warnings_flag_grades_gender_and_names(draft):
    draft.purpose = "Mr Smith supports the lab at grade 6; he orders stock."
    warnings = services.text_warnings(draft)
    assert len(warnings) == 3
    assert any("grade 6" in w for w in warnings)
    assert any("“he”" in w for w in warnings)
    assert any("Mr Smith" in w for w in warnings)


def test_two_people_editing_different_sections_do_not_collide(personas, draft):
    base = {"purpose": draft.purpose, "duties": list(draft.duties)}
    services.save_draft(actor=personas.line_manager.user, version=draft, base_values={"purpose": base["purpose"]},
                        changes={"purpose": "Edited by the first person."})
    saved = services.save_draft(actor=personas.fm_hps.user, version=draft, base_values={"duties": base["duties"]},
                                changes={"duties": ["Prepare solutions.", "Maintain equipment.", "Train students."]})
    assert saved.purpose == "Edited by the first person." and len(saved.duties) == 3


def test_two_people_editing_the_same_section_the_second_is_shown_the_conflict(personas, draft):
    original = draft.purpose
    services.save_draft(actor=personas.line_manager.user, version=draft, base_values={"purpose": original},
                        changes={"purpose": "First writer."})
    with pytest.raises(StaleStateError) as error:
        services.save_draft(actor=personas.fm_hps.user, version=draft, base_values={"purpose": original},
                            changes={"purpose": "Second writer."})
    assert error.value.sections == ["purpose"] and error.value.current.purpose == "First writer."

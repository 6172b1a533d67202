"""Who Word's tracked changes are attributed to, and what the file of a comparison is called
(issue 11, item 19: every revision said "Gradepath"; two JDs compared were named as one JD's v4 → v1)."""

from __future__ import annotations

import datetime as dt

import pytest

from gradepath.jobs import services
from gradepath.jobs.tests.test_word import W, document_xml, make_two_versions
from gradepath.jobs.word import author_of, comparison_docx, comparison_filename

pytestmark = pytest.mark.django_db


def _marks(data: bytes) -> list:
    root = document_xml(data)
    return root.findall(f".//{{{W}}}ins") + root.findall(f".//{{{W}}}del")


def test_changes_to_a_draft_the_system_started_are_by_the_person_who_saved_them(personas):
    v1, v2 = make_two_versions(personas)
    v2 = services.submit_version(actor=personas.line_manager.user, version=v2)
    # As a grading case does: the system opens the next draft, and a person writes the changes.
    v3 = services.start_new_draft(actor=None, version=v2)
    assert v3.created_by is None
    v3 = services.save_draft(actor=personas.hrbp.user, version=v3, base_revision=v3.revision,
                             changes={"line_management": "Three technicians."})
    marks = _marks(comparison_docx(v2, v3))
    assert marks
    assert {mark.get(f"{{{W}}}author") for mark in marks} == {"Priya Banerjee"}
    assert {mark.get(f"{{{W}}}date") for mark in marks} == {
        v3.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_a_draft_saved_by_two_people_names_both(personas):
    v1, v2 = make_two_versions(personas)  # saved by Lina Morgan
    v2 = services.save_draft(actor=personas.hrbp.user, version=v2, base_revision=v2.revision,
                             changes={"line_management": "Three technicians."})
    assert author_of(v2) == "Lina Morgan and Priya Banerjee"
    # A save of the next version is not this version's.
    v2 = services.submit_version(actor=personas.line_manager.user, version=v2)
    v3 = services.start_new_draft(actor=None, version=v2)
    services.save_draft(actor=personas.fm_hps.user, version=v3, base_revision=v3.revision,
                        changes={"line_management": "Four technicians."})
    v2.refresh_from_db()
    assert author_of(v2) == "Lina Morgan and Priya Banerjee"


def test_a_comparison_of_two_different_jds_is_named_after_both(personas):
    v1, v2 = make_two_versions(personas)
    other = services.copy_and_adapt(actor=personas.line_manager.user, version=v1, org_unit=personas.department)
    assert comparison_filename(v1, v2) == f"{v1.jd.reference}-v1-to-v2-tracked-changes.docx"
    name = comparison_filename(v2, other)
    assert name == f"{v2.jd.reference}-v2-to-{other.jd.reference}-v1-tracked-changes.docx"
    text = "".join(t.text or "" for t in document_xml(comparison_docx(v2, other)).iter(f"{{{W}}}t"))
    assert f"from {v2.jd.reference} version 2 to {other.jd.reference} version 1" in text

"""The demo JD library: believable, clean, deterministic text written through the JD services."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from gradepath.core.errors import ServiceError
from gradepath.core.models import HistoryEntry
from gradepath.demo.jds import (
    AREAS,
    FAMILIES,
    area_for_title,
    build_demo_jds,
    compose_jd,
    sections_of,
)
from gradepath.grades.models import Grade, GradeStructure
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription, JobFamily
from gradepath.jobs.services import text_warnings
from gradepath.people.models import OrgUnit, Person, Post
from gradepath.testing.factories import AppointmentFactory, OrgUnitFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def university(personas):
    """The persona university plus a few units and posts of the kinds the demo builder makes."""
    grade = {g.number: g for g in Grade.objects.all()}
    engineering = OrgUnitFactory(code="ENG", name="Faculty of Engineering Sciences", kind=OrgUnit.Kind.FACULTY)
    mech = OrgUnitFactory(code="MECH", name="Department of Mechanical Engineering", kind=OrgUnit.Kind.DEPARTMENT,
                          parent=engineering)
    hr = OrgUnitFactory(code="HR", name="Human Resources", kind=OrgUnit.Kind.PS_DIVISION)
    hr_services = OrgUnitFactory(code="HR-SVC", name="HR Services and Payroll", kind=OrgUnit.Kind.DEPARTMENT,
                                 parent=hr)
    facilities = OrgUnitFactory(code="EST-FAC", name="Facilities Services", kind=OrgUnit.Kind.DEPARTMENT,
                                parent=personas.estates)
    for n in range(2, 7):  # with the persona's own post: six Research Technicians in Biosciences
        PostFactory(post_number=f"BIO-01{n:02d}", org_unit=personas.department, title="Research Technician",
                    grade=grade[5])
    for n in range(3):
        PostFactory(post_number=f"MECH-02{n:02d}", org_unit=mech, title="Workshop Technician", grade=grade[5])
    for n in range(4):
        PostFactory(post_number=f"HRS-03{n:02d}", org_unit=hr_services, title="HR Administrator", grade=grade[5])
    PostFactory(post_number="HRS-0400", org_unit=hr_services, title="Payroll Officer", grade=grade[5])
    for n in range(3):
        PostFactory(post_number=f"FAC-05{n:02d}", org_unit=facilities, title="Porter", grade=grade[3])
    PostFactory(post_number="LIFE-0600", org_unit=personas.faculty, title="Finance Officer", grade=grade[6])
    AppointmentFactory(person=personas.hod, post=PostFactory(post_number="BIO-0000", org_unit=personas.department,
                                                             title="Head of Division", grade=grade[10]))
    return personas


def _units():
    return list(OrgUnit.objects.all())


def _people_names() -> set[str]:
    return {p.full_name for p in Person.objects.all()}


def _snapshot() -> dict:
    versions = [
        (v.jd.reference, v.number, v.status, v.grade.number if v.grade else None, v.jd.org_unit.code, v.plain_text())
        for v in JDVersion.objects.select_related("jd", "jd__org_unit", "grade").order_by("jd__reference", "number")
    ]
    posts = {p.post_number: (p.jd_version.jd.reference, p.jd_version.number) if p.jd_version else None
             for p in Post.objects.select_related("jd_version__jd")}
    return {"versions": versions, "posts": posts}


# --- The text -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_composed_jds_name_no_person_grade_or_gender_at_any_level(university, seed):
    rng = random.Random(seed)
    names = _people_names()
    family = JobFamily.objects.create(code="X", name="Check")
    checked = 0
    for area in AREAS:
        for grade, titles in area.titles.items():
            for title in titles:
                text = compose_jd(rng, area, title, grade, scope=rng.choice(["the faculty", "the division"]))
                version = JDVersion(job_family=family, **sections_of(text))
                assert text_warnings(version, names) == [], (area.key, grade, title)
                checked += 1
    assert checked > 150


def test_composed_jd_has_the_shape_of_a_university_jd():
    rng = random.Random(7)
    for area in AREAS:
        for grade, titles in area.titles.items():
            sections = compose_jd(rng, area, titles[0], grade)
            assert sections["job_title"] == titles[0]
            assert 2 <= sections["purpose"].count(". ") + 1 <= 4
            assert 6 <= len(sections["duties"]) <= 14, (area.key, grade, len(sections["duties"]))
            assert len(set(sections["duties"])) == len(sections["duties"])
            assert all("{" not in d for d in sections["duties"])
            kinds = Counter(c["kind"] for c in sections["person_spec"])
            assert kinds["essential"] >= 3 and kinds["desirable"] >= 1
            assert {c["assessed"] for c in sections["person_spec"]} <= {"application", "interview", "both"}
            assert sections["line_management"] and sections["working_relationships"].startswith("Internal:")


def test_responsibility_grows_with_the_grade():
    rng = random.Random(11)
    lab = next(a for a in AREAS if a.key == "lab_research")
    junior = compose_jd(rng, lab, "Laboratory Assistant", 2)
    manager = compose_jd(rng, lab, "Technical Manager", 8)
    head = compose_jd(rng, lab, "Director of Technical Services", 10)
    assert junior["line_management"] == "No line management responsibility. No budget responsibility."
    assert "supervision" in junior["purpose"] or "instructions" in junior["purpose"]
    assert "Line manages" in manager["line_management"] and "budget" in manager["line_management"]
    assert "Leads a function" in head["line_management"]
    assert "strateg" in head["purpose"].lower() or "strateg" in " ".join(head["duties"]).lower()


def test_same_seed_gives_the_same_text():
    area = AREAS[0]
    first = compose_jd(random.Random(5), area, "Research Technician", 5)
    second = compose_jd(random.Random(5), area, "Research Technician", 5)
    other = compose_jd(random.Random(6), area, "Research Technician", 5)
    assert first == second
    assert first != other


def test_post_titles_find_their_area():
    assert area_for_title("Research Technician").key == "lab_research"
    assert area_for_title("Finance Officer (Accounts Payable)").key == "finance"
    assert area_for_title("Senior Payroll Officer").key == "payroll"
    assert area_for_title("Head of HR Business Partnering").key == "hr"
    assert area_for_title("Mechanical Engineering Technician").key == "workshop"
    assert area_for_title("Student Services Adviser").key == "student_support"
    assert area_for_title("Some Unheard-of Coordinator").family == "PS-ADMIN"


# --- The library, through the services -------------------------------------------------------

def test_library_has_the_count_and_every_grade(university):
    result = build_demo_jds(rng=random.Random(1), org_units=_units(), count=30)
    current = AgreedJD.objects.filter(is_current=True)
    assert current.count() == 30 == len(result.agreed)
    grades = Counter(current.values_list("grade__number", flat=True))
    assert set(grades) == set(range(1, 11))
    assert len(set(current.values_list("job_family", flat=True))) >= 5
    assert {f.code for f in JobFamily.objects.all()} >= {code for code, _ in FAMILIES}
    structure = GradeStructure.objects.in_force()
    assert all(entry.grade.structure_id == structure.pk for entry in current)


def test_library_entries_carry_no_text_warnings(university):
    build_demo_jds(rng=random.Random(2), org_units=_units(), count=30)
    names = _people_names()
    for version in JDVersion.objects.all():
        assert text_warnings(version, names) == [], version


def test_several_jds_have_two_to_four_versions_with_earlier_ones_superseded(university):
    result = build_demo_jds(rng=random.Random(3), org_units=_units(), count=30)
    assert len(result.multi_version) >= 3
    kinds_of_edit = set()
    for jd in result.multi_version:
        versions = list(jd.versions.exclude(status=JDVersion.Status.DRAFT).order_by("number"))
        assert 2 <= len(versions) <= 4
        assert [v.status for v in versions] == ["superseded"] * (len(versions) - 1) + ["agreed"]
        entries = list(AgreedJD.objects.filter(version__jd=jd).order_by("version__number"))
        assert [e.is_current for e in entries] == [False] * (len(entries) - 1) + [True]
        for before, after in zip(versions, versions[1:], strict=False):
            assert after.based_on_id == before.pk
            assert before.purpose != after.purpose
            added = set(after.duties) - set(before.duties)
            removed = set(before.duties) - set(after.duties)
            kept_before = [d for d in before.duties if d in after.duties]
            kept_after = [d for d in after.duties if d in before.duties]
            kinds_of_edit |= {"added"} if added else set()
            kinds_of_edit |= {"removed"} if removed else set()
            kinds_of_edit |= {"moved"} if kept_before != kept_after else set()
            assert added or removed
        assert HistoryEntry.objects.filter(action="jd.draft_started", object_id=str(jd.pk)).count() == \
            len(versions) - 1
    assert kinds_of_edit == {"added", "removed", "moved"}
    assert all(result.edits[jd.reference] for jd in result.multi_version)


def test_posts_in_one_department_share_one_jd_version(university):
    build_demo_jds(rng=random.Random(4), org_units=_units(), count=30)
    technicians = Post.objects.filter(org_unit=university.department, title="Research Technician")
    assert technicians.count() == 6
    versions = {p.jd_version_id for p in technicians}
    assert len(versions) == 1 and None not in versions
    version = JDVersion.objects.get(pk=versions.pop())
    assert version.status == JDVersion.Status.AGREED
    assert version.job_title == "Research Technician"
    assert version.agreed_entry.grade.number == 5
    assert version.jd.org_unit == university.department
    porters = {p.jd_version_id for p in Post.objects.filter(title="Porter")}
    assert len(porters) == 1 and None not in porters
    assert HistoryEntry.objects.filter(action="post.updated").count() == \
        Post.objects.filter(jd_version__isnull=False).count()


def test_every_professional_services_and_technical_post_holds_the_version_in_force(university):
    build_demo_jds(rng=random.Random(5), org_units=_units(), count=30)
    held = Post.objects.filter(jd_version__isnull=False).select_related("jd_version", "grade")
    assert held.count() == Post.objects.count() - 1
    assert Post.objects.get(post_number="BIO-0000").jd_version is None  # the academic head's post
    for post in held:
        assert post.jd_version.status == JDVersion.Status.AGREED
        assert post.jd_version.job_title == post.title
        assert post.jd_version.agreed_entry.grade.number == post.grade.number


def test_posts_already_holding_a_version_keep_it(university):
    first = build_demo_jds(rng=random.Random(6), org_units=_units(), count=12)
    held = dict(Post.objects.filter(jd_version__isnull=False).values_list("post_number", "jd_version"))
    assert len(held) == first.posts_assigned > 0
    second = build_demo_jds(rng=random.Random(6), org_units=_units(), count=30)
    after = dict(Post.objects.values_list("post_number", "jd_version"))
    assert {number: after[number] for number in held} == held
    assert second.posts_assigned == Post.objects.count() - 1 - len(held)


def test_open_drafts_and_a_submitted_new_job_are_not_in_the_library(university):
    result = build_demo_jds(rng=random.Random(7), org_units=_units(), count=30)
    assert result.drafts and result.submitted
    for draft in result.drafts:
        draft.refresh_from_db()
        assert draft.status == JDVersion.Status.DRAFT
    assert any(d.number > 1 and d.revision > 1 for d in result.drafts)  # a proposal being edited
    assert any(d.number == 1 for d in result.drafts)  # a new job being drafted
    assert all(v.status == JDVersion.Status.SUBMITTED for v in result.submitted)
    assert not AgreedJD.objects.filter(version__in=[*result.drafts, *result.submitted]).exists()


def test_every_change_has_a_history_row_by_the_system(university):
    result = build_demo_jds(rng=random.Random(8), org_units=_units(), count=30)
    logged = HistoryEntry.objects.filter(action="jd.agreed_logged")
    assert logged.count() == len(result.agreed) + len(result.superseded)
    assert HistoryEntry.objects.filter(action="jd.created").count() == JobDescription.objects.count()
    assert set(logged.values_list("actor_label", flat=True)) == {"System"}


def test_same_seed_builds_the_same_library(university):
    with transaction.atomic():
        build_demo_jds(rng=random.Random(9), org_units=_units(), count=25)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not JobDescription.objects.exists()
    build_demo_jds(rng=random.Random(9), org_units=_units(), count=25)
    assert _snapshot() == first
    assert len(first["versions"]) > 25


def test_without_org_units_nothing_is_made():
    with pytest.raises(ServiceError, match="no org units"):
        build_demo_jds(rng=random.Random(1), org_units=[], count=10)
    assert not JobDescription.objects.exists()


def test_without_a_grade_structure_nothing_is_made():
    OrgUnitFactory(code="LONE", name="Lone Faculty")
    with pytest.raises(ServiceError, match="no grade structure"):
        build_demo_jds(rng=random.Random(1), org_units=_units(), count=10)
    assert not JobDescription.objects.exists() and not JobFamily.objects.exists()


def test_posts_can_be_given_by_title(university):
    posts = {"Porter": list(Post.objects.filter(title="Porter"))}
    build_demo_jds(rng=random.Random(10), org_units=_units(), posts_by_title=posts, count=15)
    assert Post.objects.filter(title="Porter", jd_version__isnull=False).count() == 3
    assert not Post.objects.filter(title="Research Technician", jd_version__isnull=False).exists()


def test_full_demo_library_of_150_is_varied(university):
    # How long it takes is the demo builder's figure (docs/performance.md), never a timed test.
    result = build_demo_jds(rng=random.Random(2026), org_units=_units(), count=150)
    assert len(result.agreed) == 150
    grades = Counter(e.grade.number for e in result.agreed)
    assert set(grades) == set(range(1, 11))
    assert sum(grades[n] for n in range(3, 8)) > sum(grades[n] for n in (1, 2, 8, 9, 10))
    assert len(result.multi_version) >= 10
    versions_per_jd = Counter(len(jd.versions.exclude(status="draft").all()) for jd in result.multi_version)
    assert set(versions_per_jd) <= {2, 3, 4} and len(versions_per_jd) >= 2
    titles = defaultdict(int)
    for entry in result.agreed:
        titles[entry.version.job_title] += 1
    assert len(titles) >= 60  # varied jobs, not one text repeated


# --- The command --------------------------------------------------------------------------------

def test_command_adds_a_library_to_an_existing_database(university, capsys):
    call_command("demo-jds", "--count", "12", "--seed", "3")
    out = capsys.readouterr().out
    assert "Logged 12 agreed job descriptions" in out
    assert AgreedJD.objects.filter(is_current=True).count() == 12


def test_command_refuses_without_org_units():
    with pytest.raises(CommandError, match="no org units"):
        call_command("demo-jds", "--count", "5")


def test_command_refuses_without_a_grade_structure():
    OrgUnitFactory(code="LONE", name="Lone Faculty")
    with pytest.raises(CommandError, match="no grade structure"):
        call_command("demo-jds")


def test_command_refuses_a_count_below_one(university):
    with pytest.raises(CommandError, match="at least one"):
        call_command("demo-jds", "--count", "0")


def test_leadership_roles_lead_across_their_faculty_or_division():
    estates = next(a for a in AREAS if a.key == "estates")
    text = compose_jd(random.Random(12), estates, "Director of Estates", 10, scope="the division")
    assert "across the division" in text["purpose"]
    assert not any(c["text"].startswith("A recognised trade qualification") for c in text["person_spec"])

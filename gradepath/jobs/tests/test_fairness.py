import datetime as dt

import pytest

from gradepath.grades.models import Grade, PayRecord
from gradepath.jobs.fairness import fairness_lookup
from gradepath.jobs.tests.matching_library import LIBRARY, agree, build_library
from gradepath.people.models import Post
from gradepath.testing.factories import AppointmentFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def hold(version, *, unit, grade, person=None, pay_grade=None, end_date=None, post_number=None):
    """A post on ``version`` held by ``person`` (a new person if none), paid at ``pay_grade``."""
    grade_row = Grade.objects.get(number=grade)
    post = PostFactory(org_unit=unit, grade=grade_row, jd_version=version, title=version.job_title,
                       **({"post_number": post_number} if post_number else {}))
    person = person or PersonFactory()
    AppointmentFactory(person=person, post=post, start_date=dt.date(2022, 1, 1), end_date=end_date)
    PayRecord.objects.create(person=person, grade=Grade.objects.get(number=pay_grade or grade), spine_point=20,
                             effective_from=dt.date(2022, 1, 1), reason=PayRecord.Reason.APPOINTMENT)
    return person, post


@pytest.fixture
def world(personas):
    library = build_library(personas)
    technician = library["technician"].version
    Post.objects.filter(pk=personas.staff_post.pk).update(jd_version=technician)
    colleague, _ = hold(technician, unit=personas.department, grade=5, pay_grade=6)
    leaver, _ = hold(technician, unit=personas.department, grade=5, end_date=dt.date(2023, 1, 1))
    similar = agree(
        personas, grade=6, job_title="Research Technician", family_code="TECH",
        purpose="To provide technical support to the cell biology and genetics research groups.",
        duties=LIBRARY["technician"]["duties"][:4] + ["Supervise the work of a junior technician."])
    similar_holder, _ = hold(similar.version, unit=personas.estates, grade=6)
    finance_holder, _ = hold(library["finance"].version, unit=personas.faculty, grade=5)
    return {"library": library, "technician": technician, "colleague": colleague, "leaver": leaver,
            "similar": similar, "similar_holder": similar_holder, "finance_holder": finance_holder}


def test_other_holders_of_the_same_version_are_listed_without_the_subject(personas, world):
    lookup = fairness_lookup(world["technician"], exclude_person=personas.staff_member)
    assert [h.person_id for h in lookup.same_version] == [world["colleague"].pk]
    holder = lookup.same_version[0]
    assert holder.unit_name == personas.department.name and holder.post_grade == 5 and holder.pay_grade == 6
    assert holder.grades_differ and holder.appointment_kind == "Substantive"


def test_the_subject_is_listed_when_not_excluded_and_past_holders_never_are(personas, world):
    lookup = fairness_lookup(world["technician"])
    ids = {h.person_id for h in lookup.same_version}
    assert ids == {personas.staff_member.pk, world["colleague"].pk}
    assert world["leaver"].pk not in ids


def test_holders_of_similar_agreed_jds_are_listed_with_their_grades_and_units(personas, world):
    lookup = fairness_lookup(world["technician"], exclude_person=personas.staff_member, threshold=0.4)
    assert [s.agreed for s in lookup.similar] == [world["similar"]]
    similar = lookup.similar[0]
    assert similar.score >= 0.4
    assert [(h.person_id, h.unit_name, h.post_grade, h.pay_grade) for h in similar.holders] == [
        (world["similar_holder"].pk, personas.estates.name, 6, 6)]


def test_unrelated_agreed_jds_and_their_holders_are_not_listed(personas, world):
    lookup = fairness_lookup(world["technician"], threshold=0.4)
    listed = {h.person_id for s in lookup.similar for h in s.holders} | {h.person_id for h in lookup.same_version}
    assert world["finance_holder"].pk not in listed
    assert world["library"]["finance"] not in [s.agreed for s in lookup.similar]


def test_a_high_threshold_leaves_only_the_same_version(personas, world):
    lookup = fairness_lookup(world["technician"], threshold=0.99)
    assert lookup.similar == [] and len(lookup.same_version) == 2


def test_holders_are_limited_to_the_people_a_user_may_see(personas, world):
    lookup = fairness_lookup(world["technician"], threshold=0.4, for_user=personas.outsider.user)
    seen = {h.person_id for h in lookup.same_version} | {h.person_id for s in lookup.similar for h in s.holders}
    assert personas.staff_member.pk not in seen and world["colleague"].pk not in seen


def test_lookup_queries_do_not_grow_with_the_number_of_holders(personas, world, django_assert_max_num_queries):
    fairness_lookup(world["technician"], threshold=0.4)  # builds the index
    with django_assert_max_num_queries(3) as few:
        fairness_lookup(world["technician"], threshold=0.4)
    for _ in range(5):
        hold(world["technician"], unit=personas.department, grade=5)
        hold(world["similar"].version, unit=personas.estates, grade=6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        lookup = fairness_lookup(world["technician"], threshold=0.4)
    assert len(lookup.same_version) == 7 and len(lookup.similar[0].holders) == 6

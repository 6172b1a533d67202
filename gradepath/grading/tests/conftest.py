import pytest

from gradepath.grades.models import Grade
from gradepath.jobs import services as jd_services
from gradepath.people.models import Post
from gradepath.people.services import update_post
from gradepath.testing.factories import JobFamilyFactory


@pytest.fixture
def grading(personas):
    """The personas with an agreed JD on the staff member's post and a small agreed library."""
    family = JobFamilyFactory()
    version = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=family, staff_category="technical",
        job_title="Research Technician", area="Laboratory operations",
        purpose="To provide technical support to the research groups of the division.",
        duties=["Prepare reagents and solutions.", "Maintain laboratory equipment.", "Order stock."],
    )
    jd_services.submit_version(actor=None, version=version)
    agreed = jd_services.log_agreed_jd(actor=None, version=version, grade=Grade.objects.get(number=5))
    senior = jd_services.create_job_description(
        actor=None, org_unit=personas.department, job_family=family, staff_category="technical",
        job_title="Senior Research Technician", area="Laboratory operations",
        purpose="To lead technical support for the research groups and supervise technicians.",
        duties=["Supervise two technicians.", "Manage the equipment budget.", "Train research students."],
    )
    jd_services.submit_version(actor=None, version=senior)
    personas.senior_agreed = jd_services.log_agreed_jd(actor=None, version=senior, grade=Grade.objects.get(number=6))
    update_post(actor=None, post=personas.staff_post, changes={"jd_version": version})
    personas.agreed = agreed
    return personas


def grade_on(post, day) -> int | None:
    """The number of the grade ``post`` holds on ``day`` (post grades are effective-dated: policy §3.4)."""
    return Post.objects.with_grade_on(day).get(pk=post.pk).grade_on_number

import pytest
from django.db import DatabaseError, transaction

from gradepath.jobs.models import JDVersion
from gradepath.testing.factories import JDVersionFactory

pytestmark = pytest.mark.django_db


def test_draft_text_can_change():
    version = JDVersionFactory(status=JDVersion.Status.DRAFT)
    JDVersion.objects.filter(pk=version.pk).update(purpose="New purpose")
    version.refresh_from_db()
    assert version.purpose == "New purpose"


@pytest.mark.parametrize("status", ["submitted", "agreed", "superseded"])
@pytest.mark.parametrize(
    "change",
    [{"purpose": "Rewritten"}, {"job_title": "Other"}, {"duties": ["Something else"]}, {"additional_information": "Added later"},
     {"person_spec": []}, {"status": "draft"}],
    ids=lambda c: next(iter(c)),
)
def test_database_refuses_to_change_a_version_once_submitted(status, change):
    version = JDVersionFactory(status=status)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        JDVersion.objects.filter(pk=version.pk).update(**change)
    fresh = JDVersion.objects.get(pk=version.pk)
    assert fresh.purpose == version.purpose and fresh.status == status


def test_status_can_move_forward_once_submitted():
    version = JDVersionFactory(status="submitted")
    JDVersion.objects.filter(pk=version.pk).update(status="agreed")
    JDVersion.objects.filter(pk=version.pk).update(status="superseded")
    assert JDVersion.objects.get(pk=version.pk).status == "superseded"


def test_database_refuses_to_delete_a_submitted_version():
    version = JDVersionFactory(status="agreed")
    with pytest.raises(DatabaseError), transaction.atomic():
        JDVersion.objects.filter(pk=version.pk).delete()
    assert JDVersion.objects.filter(pk=version.pk).exists()

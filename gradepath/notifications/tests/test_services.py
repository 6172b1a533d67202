"""notify() and send_email(): what they store."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_long_subject_is_cut_to_fit_the_message_and_the_email(personas):
    from gradepath.notifications.models import Notification, OutboxEmail
    from gradepath.notifications.services import notify, send_email

    title = "Senior " * 40  # a 280-character job title
    notify(recipient=personas.staff_member, subject=f"GC-2026-0001 {title}: waiting for you", body="Body.")
    send_email(to_address="team@example.ac.uk", subject=f"Approved JD: {title}", body="Body.")
    note = Notification.objects.get()
    assert len(note.subject) == 200 and note.subject.endswith("…")
    assert all(len(e.subject) <= 200 for e in OutboxEmail.objects.all()) and OutboxEmail.objects.count() == 2

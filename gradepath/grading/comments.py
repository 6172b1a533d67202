"""Comments on grading cases: ordinary ones for everyone who can see the case, and
confidential HR notes that the staff member never sees."""

from __future__ import annotations

from django.db import transaction

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.history import record_history
from gradepath.grading.models import CaseComment, GradingCase
from gradepath.people.relations import person_of

MAX_COMMENT_LENGTH = 5000
# History actions: the timeline hides confidential ones from anyone who may not see them.
COMMENT_ACTION = "grading.comment_added"
CONFIDENTIAL_ACTION = "grading.confidential_note_added"


def add_comment(*, actor, case: GradingCase, text: str, confidential: bool = False) -> CaseComment:
    """Add a comment to a case the actor can see; only HR (see ``can_see_confidential``) may
    add a confidential note. Writes a history row (without the text of a confidential note)."""
    from gradepath.grading.services import can_see_confidential, visible_cases

    me = person_of(actor)
    if me is None:
        raise PermissionDenied("You need a staff record to comment on grading cases.")
    if not visible_cases(actor).filter(pk=case.pk).exists():
        raise PermissionDenied("You cannot comment on this grading case.")
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write the comment before adding it.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ServiceError(f"A comment can be at most {MAX_COMMENT_LENGTH} characters long.")
    if confidential and not can_see_confidential(actor, case):
        raise PermissionDenied("Only HR can add confidential notes to a grading case.")
    with transaction.atomic():
        comment = CaseComment.objects.create(case=case, author=me, text=text, confidential=bool(confidential))
        if confidential:
            summary = f"{case.reference}: added a confidential HR note."
        else:
            summary = f"{case.reference}: comment added: “{text[:200]}{'…' if len(text) > 200 else ''}”"
        # A confidential note stays off the staff member's own record timeline.
        record_history(actor=actor, action=CONFIDENTIAL_ACTION if confidential else COMMENT_ACTION, obj=case,
                       person_id=None if confidential else case.subject_id, summary=summary)
    return comment

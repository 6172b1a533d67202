"""What each appraisal move does besides moving the state. The engine (gradepath.workflow.engine) calls
these inside its transaction; nothing else does."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gradepath.appraisal.models import Appraisal
from gradepath.core.errors import ServiceError


def _apply_pre_review(appraisal: Appraisal, actor, me, move, data):
    appraisal.pre_review = data["pre_review"]
    return None, "Pre-review sent to the appraiser"


def _apply_meeting(appraisal: Appraisal, actor, me, move, data):
    held: dt.date = data["completed_on"]
    today = timezone.localdate()
    if held > today:
        raise ServiceError(f"The appraisal meeting cannot be dated in the future ({held:%d %b %Y}): record it on "
                           "or after the day it took place.")
    if held.year < appraisal.year:
        raise ServiceError(f"The {appraisal.year} appraisal's meeting cannot be before 1 January {appraisal.year} "
                           f"({held:%d %b %Y} was given).")
    appraisal.summary, appraisal.objectives = data["summary"], data["objectives"]
    appraisal.training_needs = data.get("training_needs") or ""
    appraisal.completed_on = held
    appraisal.staff_signed_at = appraisal.appraiser_signed_at = None
    return None, f"Appraisal meeting of {held.day} {held:%b %Y} recorded"


def _apply_sign_off(appraisal: Appraisal, actor, me, move, data):
    if me.pk == appraisal.subject_id:
        appraisal.staff_signed_at = timezone.now()
        return None, "Signed off by the staff member"
    appraisal.appraiser_signed_at = timezone.now()
    return None, "Signed off by the appraiser"


def _apply_return(appraisal: Appraisal, actor, me, move, data):
    appraisal.staff_signed_at = appraisal.appraiser_signed_at = None
    return None, move.label


EFFECTS = {
    "submit_pre_review": _apply_pre_review,
    "record_meeting": _apply_meeting,
    "sign_off": _apply_sign_off,
    "return_for_changes": _apply_return,
}

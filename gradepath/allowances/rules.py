"""The rules an acting-up allowance or an honorarium must meet (policy §4.8), checked where it is
proposed (the start services, web and API alike) and again under the lock where it takes effect (the
effects): each refusal a sentence in the user's words."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from gradepath.allowances.models import CLOSED_STATES, Allowance, Kind, Payment
from gradepath.allowances.pay import acting_up_point, longer_than_min_weeks, setting, within_months
from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade, PayRecord
from gradepath.people.models import Appointment, Person, Post

TEXT_LIMIT = 5000
REASON_LIMIT = 2000


def day(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def check_dates(start: dt.date | None, end: dt.date | None, *, what: str) -> None:
    if start is None:
        raise ServiceError(f"Give the date the {what} starts.")
    if end is not None and end < start:
        raise ServiceError(f"The end date ({day(end)}) is before the start date ({day(start)}): the {what} must "
                           "end after it starts.")


def check_acting_up_period(start: dt.date | None, end: dt.date | None, long_reason: str) -> None:
    """More than 6 consecutive weeks; normally up to 12 months, longer with a stated reason, never beyond the
    maximum (settings ``ACTING_UP_MIN_WEEKS``, ``ACTING_UP_NORMAL_MONTHS``, ``ACTING_UP_MAX_MONTHS``)."""
    if end is None:
        raise ServiceError("Give the date acting up ends: it is temporary.")
    check_dates(start, end, what="acting up")
    assert start is not None
    weeks, normal, most = (setting("ACTING_UP_MIN_WEEKS"), setting("ACTING_UP_NORMAL_MONTHS"),
                           setting("ACTING_UP_MAX_MONTHS"))
    if not longer_than_min_weeks(start, end, weeks):
        raise ServiceError(f"Acting up is for more than {weeks} consecutive weeks: {day(start)} to {day(end)} is "
                           f"{(end - start).days + 1} days. For a shorter cover, the duties are shared or an "
                           "honorarium is paid instead.")
    if not within_months(start, end, most):
        raise ServiceError(f"Acting up can last at most {most} months; {day(start)} to {day(end)} is longer. "
                           "Beyond that the post is filled by an appointment or the job is regraded.")
    if not within_months(start, end, normal) and not long_reason:
        raise ServiceError(f"Acting up normally lasts up to {normal} months; {day(start)} to {day(end)} is longer. "
                           "Give the reason it must run longer.")


def substantive_pay(person: Person, on: dt.date) -> PayRecord:
    """The person's pay in force on ``on`` (their substantive grade and point when not acting up)."""
    record = PayRecord.objects.as_of(on).filter(person=person).select_related("grade").first()
    if record is None:
        raise ServiceError(f"{person} has no pay record on {day(on)}: HR Services record their substantive grade "
                           "and spine point first.")
    return record


def grade_of_post(post: Post, on: dt.date) -> Grade | None:
    """The post's grade in force on ``on`` (its grade history; the grade it holds today otherwise)."""
    found = Post.objects.with_grade_on(on, coming=False).filter(pk=post.pk).values_list("grade_on_id", flat=True).first()
    grade_id = found or post.grade_id
    return Grade.objects.filter(pk=grade_id).first() if grade_id else None


def check_higher_post(person: Person, post: Post, start: dt.date) -> tuple[Grade, PayRecord, int]:
    """The post is graded above the person's substantive grade on the start date: (its grade, the person's pay
    record then, the acting-up point)."""
    if not post.is_active:
        raise ServiceError(f"Post {post.post_number} is no longer in use: choose a current post.")
    if Appointment.objects.current(start).filter(person=person, post=post).exists():
        raise ServiceError(f"{person} already holds post {post.post_number}: acting up is in a higher-graded post "
                           "other than their own.")
    higher = grade_of_post(post, start)
    if higher is None:
        raise ServiceError(f"Post {post.post_number} has no grade on {day(start)}: it cannot be acted up in.")
    pay = substantive_pay(person, start)
    if higher.number <= pay.grade.number:
        raise ServiceError(f"Post {post.post_number} ({post.title}) is {higher.name}, not above {person}'s "
                           f"{pay.grade.name}: acting up is in a higher-graded post. For extra duties at the same "
                           "grade, propose an honorarium.")
    point = acting_up_point(pay.spine_point, higher.bottom_point, higher.top_point)
    if point is None:
        raise ServiceError(f"{person} is on spine point {pay.spine_point}, above every point of {higher.name}: acting "
                           "up in this post would not raise their pay.")
    return higher, pay, point


def _overlaps(start: dt.date, end: dt.date) -> Q:
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


def check_no_overlap(person: Person, post: Post, start: dt.date, end: dt.date, *, exclude: int | None = None) -> None:
    """No other acting up for the person, and nobody else acting up in the post, on any of these days (open
    proposals and acting-up appointments alike)."""
    open_ones = (Allowance.objects.filter(kind=Kind.ACTING_UP).exclude(state__in=CLOSED_STATES)
                 .filter(_overlaps(start, end)).exclude(pk=exclude))
    appointments = Appointment.objects.filter(kind=Appointment.Kind.ACTING_UP).filter(_overlaps(start, end))
    if exclude is not None:
        own = Allowance.objects.filter(pk=exclude).values_list("appointment_id", flat=True).first()
        appointments = appointments.exclude(pk=own)
    if (mine := open_ones.filter(person=person).first()) is not None:
        raise ServiceError(f"{person} already has an acting-up proposal ({mine.reference}) from {day(mine.start_date)} "
                           f"to {day(mine.end_date or mine.start_date)} that overlaps these dates.")
    if (held := appointments.filter(person=person).select_related("post").first()) is not None:
        raise ServiceError(f"{person} is already acting up in {held.post} from {day(held.start_date)}"
                           f"{' to ' + day(held.end_date) if held.end_date else ''}, which overlaps these dates.")
    if (other := open_ones.filter(post=post).first()) is not None:
        raise ServiceError(f"Someone else's acting up in post {post.post_number} ({other.reference}) overlaps these "
                           "dates: one person acts up in a post at a time.")
    if (held := appointments.filter(post=post).select_related("person").first()) is not None:
        raise ServiceError(f"{held.person} is acting up in post {post.post_number} from {day(held.start_date)}"
                           f"{' to ' + day(held.end_date) if held.end_date else ''}, which overlaps these dates.")


def check_amount(amount, *, label: str = "The amount") -> int:
    """A whole number of pounds above nothing and at most ``HONORARIUM_MAX_POUNDS``."""
    most = setting("HONORARIUM_MAX_POUNDS")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ServiceError(f"{label}: give a whole number of pounds.")
    if amount <= 0:
        raise ServiceError(f"{label} must be more than £0.")
    if amount > most:
        raise ServiceError(f"{label} of £{amount:,} is more than an honorarium can be (at most £{most:,}"
                           " a payment). A larger reward is acting up or a regrade.")
    return amount


def check_honorarium(payment: str, start: dt.date | None, end: dt.date | None) -> dt.date | None:
    """Paid once (on the start date, no end) or monthly from the start to the end date (at most
    ``HONORARIUM_MAX_MONTHS``): the end date kept."""
    if payment not in Payment.values:
        raise ServiceError("Choose how the honorarium is paid: once, or monthly over a period.")
    if payment == Payment.ONCE:
        check_dates(start, None, what="honorarium")
        return None
    if end is None:
        raise ServiceError("A monthly honorarium needs the date its period ends.")
    check_dates(start, end, what="honorarium")
    assert start is not None
    most = setting("HONORARIUM_MAX_MONTHS")
    if not within_months(start, end, most):
        raise ServiceError(f"A monthly honorarium runs at most {most} months; {day(start)} to {day(end)} is longer.")
    return end

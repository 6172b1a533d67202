"""Checking a generated university with the application's own code: what the services would have kept.

Each check returns the problems it found, in words (an empty list: none). The tests run them on a
small generated university; ``check_all(sample=…)`` runs them on a large one (a sample of its cases).

* the history of every case is a walk of the grading table (``workflow.testing.check_history``);
* the open tasks of a case are exactly those ``engine.refresh_tasks`` makes for its state, as of the
  moment the case entered it (who, in which role and capacity, due when), and every open task's
  "waiting for you" message is there while no finished task's is;
* the history chain verifies (``core.audit.verify_history_chain``, as ``gradepath audit-verify``);
* every filled post has a grade in force today, which is ``Post.grade``; everyone in post has a pay
  record in force, on the grade of the post they hold (the temporary one while acting up or seconded);
* the agreed JD library points at agreed versions (superseded ones are out of the current library);
* the grading reference counters are at the highest reference of their year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gradepath.core.audit import verify_history_chain
from gradepath.core.models import ReferenceCounter
from gradepath.demo.clock import demo_clock
from gradepath.demo.generate.allowances import problems as allowance_problems
from gradepath.demo.generate.progression import problems as progression_problems
from gradepath.demo.generate.secondments import problems as secondment_problems
from gradepath.grades.models import PayRecord
from gradepath.grading.models import CLOSED_STATES, CaseEvent, CaseTask, GradingCase
from gradepath.grading.workflow import GRADING
from gradepath.jobs.models import AgreedJD, JDVersion
from gradepath.notifications.models import Notification
from gradepath.people.models import Appointment, Post
from gradepath.workflow import engine
from gradepath.workflow.testing import check_history


class _Rollback(Exception):
    pass


def _sample(ids: list[int], sample: int | None, seed: int = 1) -> list[int]:
    if sample is None or len(ids) <= sample:
        return ids
    return sorted(random.Random(seed).sample(ids, sample))


def case_histories(sample: int | None = None) -> list[str]:
    problems = []
    for case in GradingCase.objects.filter(pk__in=_sample(list(GradingCase.objects.values_list("pk", flat=True)),
                                                          sample)).select_related("subject"):
        try:
            check_history(GRADING, case)
        except AssertionError as failed:
            problems.append(f"{case.reference}: its events are not a walk of the grading table ({failed}).")
    return problems


def _refreshes(case: GradingCase) -> list[tuple[dt.datetime, bool]]:
    """When the engine refreshed the case's tasks since it entered its state: (moment, stayed) of the move
    that brought it there (or its start), then of each move that left it there (an agreement recorded)."""
    events = list(CaseEvent.objects.filter(case=case).order_by("step").values_list("from_state", "to_state",
                                                                                   "created_at"))
    entered = max((i for i, (frm, to, _) in enumerate(events) if to == case.state and frm != case.state), default=None)
    moments = [(case.created_at if entered is None else events[entered][2], False)]
    later = events[entered + 1:] if entered is not None else events
    return moments + [(at, True) for _, _, at in later]


def _open(case: GradingCase) -> list[tuple]:
    return sorted((t.assignee_id or 0, t.team, t.role, t.capacity, t.due_date)
                  for t in CaseTask.objects.filter(object_id=case.pk, completed_at__isnull=True))


def open_tasks_as_the_engine_makes_them(sample: int | None = None) -> list[str]:
    """For each (sampled) open case: its open tasks, and those the engine's own refresh leaves when it runs
    again at the moment the case entered its state and at each move since (in a transaction rolled back),
    compared."""
    problems = []
    ids = list(GradingCase.objects.exclude(state__in=CLOSED_STATES).values_list("pk", flat=True))
    for case in GradingCase.objects.filter(pk__in=_sample(ids, sample)).select_related(
            "org_unit", "subject", "line_manager", "initiator"):
        generated = _open(case)
        try:
            with transaction.atomic():
                with demo_clock() as clock:
                    for moment, stayed in _refreshes(case):
                        clock.set(moment)
                        engine.refresh_tasks(GRADING, case, stayed=stayed)
                refreshed = _open(case)
                raise _Rollback
        except _Rollback:
            pass
        if generated != refreshed:
            problems.append(f"{case.reference} ({case.state}): open tasks {generated}, the engine makes {refreshed}.")
    for case in GradingCase.objects.filter(state__in=CLOSED_STATES).filter(
            pk__in=CaseTask.objects.filter(completed_at__isnull=True).values("object_id"))[:5]:
        problems.append(f"{case.reference} is {case.state} but has open tasks.")
    return problems


def task_messages() -> list[str]:
    """Every open task given to a person has its "waiting for you" message (unless it was made by their own
    move), and no finished task still has one."""
    problems = []
    keys = set(Notification.objects.filter(key__startswith="grading.task:").values_list("key", flat=True))
    open_keys = {f"grading.task:{pk}" for pk in CaseTask.objects.filter(completed_at__isnull=True)
                 .values_list("pk", flat=True)}
    stale = keys - open_keys
    if stale:
        problems.append(f"{len(stale)} messages belong to tasks that are finished, e.g. {sorted(stale)[:3]}.")
    missing = 0
    for task in CaseTask.objects.filter(completed_at__isnull=True, assignee__isnull=False).values(
            "pk", "assignee_id", "object_id", "step"):
        if f"grading.task:{task['pk']}" in keys:
            continue
        # Nobody is told about a task their own move made.
        made_by = CaseEvent.objects.filter(case_id=task["object_id"], step=task["step"] - 1).values_list(
            "actor_id", flat=True).first()
        started_by = GradingCase.objects.filter(pk=task["object_id"]).values_list("initiator_id", flat=True).first()
        if task["assignee_id"] not in (made_by, started_by if task["step"] == 0 else None):
            missing += 1
    if missing:
        problems.append(f"{missing} open tasks have no 'waiting for you' message.")
    return problems


def history_chain() -> list[str]:
    report = verify_history_chain()
    return [f"The history chain does not verify: {p}" for p in report.problems]


def posts_and_pay(on: dt.date | None = None) -> list[str]:
    """Filled posts have their grade in force (Post.grade); holders have pay in force on that grade."""
    on = on or timezone.localdate()
    problems = []
    current = Appointment.objects.current(on)
    filled = set(current.values_list("post_id", flat=True))
    for post in Post.objects.filter(pk__in=filled).with_grade_on(on, coming=False).only("pk", "post_number",
                                                                                         "grade_id"):
        if post.grade_on_id is None:
            problems.append(f"Post {post.post_number} is filled but has no grade in force on {on}.")
        elif post.grade_on_id != post.grade_id:
            problems.append(f"Post {post.post_number}: its grade in force is not Post.grade.")
    pay = {}
    for person, grade in PayRecord.objects.filter(effective_from__lte=on).order_by(
            "person_id", "effective_from", "id").values_list("person_id", "grade_id"):
        pay[person] = grade
    held: dict[int, tuple[str, int]] = {}
    for person, kind, grade in current.values_list("person_id", "kind", "post__grade_id"):
        if person not in held or kind != Appointment.Kind.SUBSTANTIVE:
            held[person] = (kind, grade)
    for person, (_, grade) in held.items():
        if person not in pay:
            problems.append(f"Person {person} holds a post but has no pay record in force.")
        elif pay[person] != grade:
            problems.append(f"Person {person} is paid on another grade than the post they hold.")
    return problems[:50]


def library() -> list[str]:
    problems = []
    wrong = AgreedJD.objects.filter(is_current=True).exclude(version__status=JDVersion.Status.AGREED).count()
    if wrong:
        problems.append(f"{wrong} current library entries point at versions that are not agreed.")
    wrong = AgreedJD.objects.filter(is_current=False).exclude(version__status=JDVersion.Status.SUPERSEDED).count()
    if wrong:
        problems.append(f"{wrong} earlier library entries point at versions that are not superseded.")
    agreed = JDVersion.objects.filter(status=JDVersion.Status.AGREED).exclude(agreed_entry__isnull=False).count()
    if agreed:
        problems.append(f"{agreed} agreed versions are not in the library.")
    twice = (AgreedJD.objects.filter(is_current=True).values("version__jd").annotate(n=Max("id"))
             .values("version__jd").order_by().count())
    if twice != AgreedJD.objects.filter(is_current=True).values("version__jd").distinct().count():
        problems.append("A JD has two current library entries.")
    return problems


def reference_counters() -> list[str]:
    problems = []
    for counter in ReferenceCounter.objects.filter(series="grading-case"):
        prefix = f"GC-{counter.year}-"
        numbers = [int(r[len(prefix):]) for r in GradingCase.objects.filter(reference__startswith=prefix)
                   .values_list("reference", flat=True)]
        if numbers and max(numbers) != counter.last_number:
            problems.append(f"The counter of {counter.year} is at {counter.last_number}, the highest reference at "
                            f"{max(numbers)}.")
    return problems


def appraisals(sample: int | None = 200) -> list[str]:
    """Appraisals (gradepath.demo.generate.appraisal): each (sampled) one a walk of the appraisal table;
    an open one's tasks exactly those ``engine.refresh_tasks`` makes as of the moves since it entered its
    state, a closed one's none; every open task's message there, no finished task's; a flagged regrading
    check names a grading case about the staff member on its route."""
    from django.contrib.contenttypes.models import ContentType

    from gradepath.appraisal.models import Appraisal, AppraisalEvent
    from gradepath.appraisal.workflow import APPRAISAL, OPEN_STATES
    from gradepath.workflow.models import Task

    problems: list[str] = []
    tasks = Task.objects.filter(content_type=ContentType.objects.get_for_model(Appraisal))
    ids = list(Appraisal.objects.values_list("pk", flat=True))
    for appraisal in Appraisal.objects.filter(pk__in=_sample(ids, sample)).select_related("subject", "appraiser"):
        try:
            check_history(APPRAISAL, appraisal)
        except AssertionError as failed:
            problems.append(f"{appraisal.reference}: its events are not a walk of the appraisal table ({failed}).")
        mine = tasks.filter(object_id=appraisal.pk, completed_at__isnull=True)
        generated = sorted((t.assignee_id or 0, t.role, t.capacity, t.due_date) for t in mine)
        if appraisal.state not in OPEN_STATES:
            if generated:
                problems.append(f"{appraisal.reference} is {appraisal.state} but has open tasks.")
            continue
        events = list(AppraisalEvent.objects.filter(appraisal=appraisal).order_by("step")
                      .values_list("from_state", "to_state", "created_at"))
        entered = max((i for i, (frm, to, _) in enumerate(events) if to == appraisal.state and frm != appraisal.state),
                      default=None)
        moments = [(appraisal.created_at if entered is None else events[entered][2], False)]
        moments += [(at, True) for _, _, at in (events[entered + 1:] if entered is not None else events)]
        try:
            with transaction.atomic():
                with demo_clock() as clock:
                    for moment, stayed in moments:
                        clock.set(moment)
                        engine.refresh_tasks(APPRAISAL, appraisal, stayed=stayed)
                refreshed = sorted((t.assignee_id or 0, t.role, t.capacity, t.due_date)
                                   for t in tasks.filter(object_id=appraisal.pk, completed_at__isnull=True))
                raise _Rollback
        except _Rollback:
            pass
        if generated != refreshed:
            problems.append(f"{appraisal.reference} ({appraisal.state}): open tasks {generated}, the engine makes "
                            f"{refreshed}.")
    keys = set(Notification.objects.filter(key__startswith="appraisal.task:").values_list("key", flat=True))
    open_tasks = list(tasks.filter(completed_at__isnull=True, assignee__isnull=False).values_list("pk", "step"))
    if stale := keys - {f"appraisal.task:{pk}" for pk, _ in open_tasks}:
        problems.append(f"{len(stale)} appraisal messages belong to tasks that are finished.")
    # Nobody is told about a task their own move made: the appraiser's own at the meeting (step 2 on).
    missing = sum(1 for pk, step in open_tasks if f"appraisal.task:{pk}" not in keys) - tasks.filter(
        completed_at__isnull=True, role="appraiser", state="sign_off").count()
    if missing > 0:
        problems.append(f"{missing} open appraisal tasks have no 'waiting for you' message.")
    from gradepath.grading.models import GradingCase

    flagged = Appraisal.objects.exclude(regrading_reference="")
    cases = {c.pk: c for c in GradingCase.objects.filter(pk__in=flagged.values("regrading_case_id"))}
    for appraisal in flagged:
        case = cases.get(appraisal.regrading_case_id)
        if case is None or (case.reference, case.subject_id, case.route) != (
                appraisal.regrading_reference, appraisal.subject_id, appraisal.regrading_route):
            problems.append(f"{appraisal.reference} flags {appraisal.regrading_reference}, which is not a grading "
                            "case about its staff member on that route.")
    return problems[:50]


CHECKS: dict[str, Callable[..., list[str]]] = {
    "case histories": case_histories,
    "open tasks": open_tasks_as_the_engine_makes_them,
    "task messages": task_messages,
    "history chain": history_chain,
    "posts and pay": posts_and_pay,
    "library": library,
    "reference counters": reference_counters,
    "appraisals": appraisals,
    "allowances": allowance_problems,
    "secondments": secondment_problems,
    "accelerated increments": progression_problems,
}


def check_all(sample: int | None = None) -> dict[str, list[str]]:
    found = {}
    for name, check in CHECKS.items():
        found[name] = check(sample) if name in ("case histories", "open tasks") else check()
    return found

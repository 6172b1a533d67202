"""Step "people": org units, people, posts, appointments, grade and pay histories, equality data, unit
roles, logins and the delegation, at any size.

The plan is the demo builder's (:class:`gradepath.demo.builder.DemoBuilder`: the same careers, pay
rules, names, managers and role holders) over units that grow with the size
(:mod:`gradepath.demo.generate.catalogue`); the rows are written by the generator's writer instead of
one model instance at a time. Every person gets the "imported" history row the demo gives them, the
FM/HPS of Life Sciences delegates to their deputy through the people service (as in the demo), and
the demo logins' own notifications are the demo's.

Later steps read the plan from ``generation.shared["university"]`` (the builder, whose people and posts
now carry their ids in ``pk``), and the logins from ``generation.shared["logins"]`` (person id -> user
id), to which they add the logins they make.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from gradepath.demo import cases as demo_cases
from gradepath.demo import catalogue as cat
from gradepath.demo.builder import GO_LIVE_DAYS, HISTORY_SUMMARY, LOGIN_GROUPS, DemoBuilder
from gradepath.demo.generate.base import Generation, GenerationError, Step
from gradepath.demo.generate.catalogue import catalogue_for, fixed_people
from gradepath.demo.generate.writer import HistoryRow
from gradepath.grades.models import PayRecord
from gradepath.people import roles
from gradepath.people.models import (
    Appointment,
    EqualityData,
    Person,
    Post,
    PostGrade,
    UnitRoleAssignment,
    User,
)

NAME = "people"
PEOPLE_PER_VACANCY = 8  # a large university has about one post in nine vacant (the demo: one in 45)


def smallest_university() -> int:
    """The fewest people a generated university can have: the units the demo logins need, and the
    role holders the builder always makes in them."""
    academics, others = fixed_people(catalogue_for(1))
    return academics + others


def plan_university(generation: Generation) -> DemoBuilder:
    """The builder for a university of ``generation.people`` people, planned (org units written)."""
    catalogue = catalogue_for(generation.people)
    academics, others = fixed_people(catalogue)
    if generation.people < academics + others:
        raise GenerationError(f"A generated university needs at least {smallest_university()} people (the demo "
                              f"logins' units and their role holders); {generation.people} were asked for.")
    builder = DemoBuilder(seed=generation.seed, staff=generation.people - academics, today=generation.today,
                          jds=0, cases=0, catalogue=catalogue)
    builder.people_per_vacancy = PEOPLE_PER_VACANCY
    builder.clock, builder.now = generation.clock, generation.now
    builder.prepare()
    builder.plan()
    return builder


def run(generation: Generation) -> dict[str, int]:
    university = plan_university(generation)
    counts = _write(university, generation)
    _attach_logins(university)
    university._delegate_and_notify()  # the delegation through the people service; the logins' messages
    demo_cases._mark_emails_sent()  # its e-mail went when it was written (as the demo's do)
    counts["history entries"] = generation.flush_history() + 1  # and the delegation's own
    generation.shared["university"] = university
    return counts


def _write(u: DemoBuilder, generation: Generation) -> dict[str, int]:
    w = generation.writer
    tz = timezone.get_current_timezone()
    go_live = u._moment(u.today - dt.timedelta(days=GO_LIVE_DAYS), dt.time(8, 0))
    for person, pk in zip(u.people, w.ids(Person, len(u.people)), strict=True):
        person.pk = pk
    for post, pk in zip(u.posts, w.ids(Post, len(u.posts)), strict=True):
        post.pk = pk

    # Logins: one per demo role, and the HR Business Partners (as the demo builder makes them).
    password = generation.password()  # hashed once: every demo login shares it
    login_people = {p.role: p for p in u.people if p.role}
    holders = list(login_people.values()) + [p for p in u.hrbps.values() if not p.role]
    user_ids = w.ids(User, len(holders))
    logins: dict[int, int] = {}
    users = []
    for person, user_id in zip(holders, user_ids, strict=True):
        assert person.pk is not None
        logins[person.pk] = user_id
        users.append((user_id, password if person.role else make_password(None), None, False,
                      person.role or person.email.split("@")[0], person.known_as or person.first_name,
                      person.last_name, person.email, person.role == "admin", True, go_live))
    w.insert(User, ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                    "is_staff", "is_active", "date_joined"), users)
    groups = dict(Group.objects.filter(name__in=roles.ALL_GROUPS).values_list("name", "pk"))
    hrbp_people = {id(p) for p in u.hrbps.values()}
    memberships = []
    for person, user_id in zip(holders, user_ids, strict=True):
        names = (roles.HR_BUSINESS_PARTNER,) if id(person) in hrbp_people else LOGIN_GROUPS.get(person.role, ())
        memberships += [(user_id, groups[name]) for name in names]
    through = User.groups.through
    w.insert(through, ("id", "user_id", "group_id"),
             ((pk, user, group) for pk, (user, group) in zip(w.ids(through, len(memberships)), memberships, strict=True)))
    generation.shared["logins"] = logins

    w.insert(Person, ("id", "user_id", "employee_number", "title", "first_name", "last_name", "known_as", "work_email",
                      "staff_category", "line_manager_id", "probation_end", "is_active", "created_at"), (
        (p.pk, logins.get(p.pk), p.employee_number, p.honorific, p.first_name, p.last_name, p.known_as, p.email,
         p.category, p.manager.pk if p.manager else None, p.probation_end, True, u._imported_at(p))
        for p in u.people))

    numbers: dict[str, int] = {}
    rows = []
    for post in u.posts:
        code = post.node.spec.code
        numbers[code] = numbers.get(code, 0) + 1
        rows.append((post.pk, f"{code}-{numbers[code]:04d}", post.node.unit.pk, post.title, u.grades[post.grade].pk,
                     post.fte, post.funding_source, post.grant_funded, None, True))
    w.insert(Post, ("id", "post_number", "org_unit_id", "title", "grade_id", "fte", "funding_source", "grant_funded",
                    "jd_version_id", "is_active"), rows)
    u.post_numbers = {id(post): row[1] for post, row in zip(u.posts, rows, strict=True)}

    appointments: list[tuple[object, object, str, dt.date, dt.date | None]] = []
    for p in u.people:
        assert p.start is not None and p.post is not None
        if p.old_post is not None and p.move_date is not None:
            appointments.append((p, p.old_post, Appointment.Kind.SUBSTANTIVE, p.start, p.move_date - dt.timedelta(days=1)))
            appointments.append((p, p.post, Appointment.Kind.SUBSTANTIVE, p.move_date, None))
        else:
            appointments.append((p, p.post, Appointment.Kind.SUBSTANTIVE, p.start, None))
        if p.temporary:
            kind, post, start, end = p.temporary
            appointments.append((p, post, kind, start, end))
    w.insert(Appointment, ("id", "person_id", "post_id", "kind", "start_date", "end_date"), (
        (pk, person.pk, post.pk, kind, start, end)  # type: ignore[attr-defined]
        for pk, (person, post, kind, start, end) in zip(w.ids(Appointment, len(appointments)), appointments,
                                                         strict=True)))
    first: dict[int, dt.date] = {}
    for _, post, _, start, _ in appointments:
        first[id(post)] = min(first.get(id(post), start), start)
    lines = u.post_grade_plan(first)
    w.insert(PostGrade, ("id", "post_id", "grade_id", "effective_from", "reason", "source", "jd_version_id", "note",
                         "recorded_at", "recorded_by_id", "superseded_at", "supersedes_id"), (
        (pk, post.pk, u.grades[grade].pk, start, reason, "", None, note, recorded, None, None, None)
        for pk, (post, grade, start, reason, note, recorded) in zip(w.ids(PostGrade, len(lines)), lines, strict=True)))
    u.post_grade_lines = lines  # (the grading step regrades posts after these)

    pay = [(p, row) for p in u.people for row in p.pay_rows]
    w.insert(PayRecord, ("id", "person_id", "grade_id", "spine_point", "effective_from", "reason", "post_id", "note",
                         "recorded_at", "recorded_by_id"), (
        (pk, p.pk, u.grades[grade].pk, point, day, reason, post.pk, note,
         dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz), None)
        for pk, (p, (day, grade, point, reason, post, note)) in zip(w.ids(PayRecord, len(pay)), pay, strict=True)))

    answers = [(p, a) for p in u.people if (a := u.equality_answers(p)) is not None]
    w.insert(EqualityData, ("id", "person_id", "sex", "gender_identity_same_as_birth", "ethnicity", "disability",
                            "sexual_orientation", "religion", "updated_at"), (
        (pk, p.pk, a["sex"], a["gender_identity_same_as_birth"], a["ethnicity"], a["disability"],
         a["sexual_orientation"], a["religion"], go_live)
        for pk, (p, a) in zip(w.ids(EqualityData, len(answers)), answers, strict=True)))

    held = u.role_holders()
    w.insert(UnitRoleAssignment, ("id", "unit_id", "role", "person_id", "start_date", "end_date"), (
        (pk, node.unit.pk, role, holder.pk, start, None)
        for pk, (node, role, holder, start) in zip(w.ids(UnitRoleAssignment, len(held)), held, strict=True)))

    label = Person._meta.label_lower
    generation.history += [
        HistoryRow(created_at=u._imported_at(p), action="person.imported", object_type=label, object_id=p.pk,
                   object_repr=f"{p.known_as or p.first_name} {p.last_name}", person_id=p.pk, summary=HISTORY_SUMMARY)
        for p in sorted(u.people, key=lambda p: (u._imported_at(p), p.idx))]
    return {
        "org units": len(u.nodes), "people": len(u.people),
        "academics": sum(1 for p in u.people if p.category == cat.ACADEMIC), "posts": len(u.posts),
        "appointments": len(appointments), "post grade lines": len(lines), "pay records": len(pay),
        "equality records": len(answers), "unit role holders": len(held), "logins": len(users),
    }


def _attach_logins(u: DemoBuilder) -> None:
    """Model instances for the people the demo's delegation and messages name (the demo logins and the
    line manager's team): ``DemoBuilder._delegate_and_notify`` reads them."""
    manager = next(p for p in u.people if p.role == "manager")
    wanted = [p for p in u.people if p.role or p.manager is manager]
    found = Person.objects.select_related("user").in_bulk([p.pk for p in wanted])
    for person in wanted:
        person.obj = found[person.pk]


STEP = Step(NAME, "People, posts, appointments, grades, pay and logins", run)

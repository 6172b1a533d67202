"""Reading appraisals for pages: the list, completion by unit, My home's panel and the career record.
Each reads a fixed number of queries whatever the number of rows (the tests pin them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.workflow import OPEN_STATES, STATES
from gradepath.people.models import OrgUnit
from gradepath.workflow.models import Task

OVERDUE_SHOWN = 25  # overdue people named per unit (the count says how many more)


def appraisal_list(appraisals: QuerySet[Appraisal], *, year: int | None = None, state: str = "") -> QuerySet[Appraisal]:
    rows = appraisals
    if year:
        rows = rows.filter(year=year)
    if state:
        rows = rows.filter(state=state)
    # By the staff member's name, each person's newest year first: the order of the people's name index
    # (person_name_idx, whose ties go by the person's id, then the appraisal's subject index), so a page
    # reads its own rows and sorts none (year first sorted every appraisal: 1.7 s for HR Services at
    # 50,000 people; the appraisal's subject_id for the tie sorted them too: 0.8 s).
    return rows.select_related("subject", "appraiser", "org_unit").order_by(
        "subject__last_name", "subject__first_name", _RowIdOf("subject__last_name").asc(), "-year", "id")


class _RowIdOf(Func):
    """The id of the row a joined column belongs to (``subject__last_name`` -> the subject's own id). Ordering
    by ``subject_id`` gives the same order, but only the person's own id lets the database follow its name
    index (Django would read ``subject__id`` from the appraisal's column)."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        column = self.get_source_expressions()[0]
        return f"{compiler.quote_name_unless_alias(column.alias)}.{connection.ops.quote_name('id')}", []


def overdue_condition(today: dt.date) -> Q:
    """Open and past the season's last day, or with a task past its due date."""
    late_task = Task.objects.filter(content_type=ContentType.objects.get_for_model(Appraisal), object_id=OuterRef("pk"),
                                    completed_at__isnull=True, due_date__lt=today)
    return Q(state__in=OPEN_STATES) & (Q(due_on__lt=today) | Q(Exists(late_task)))


@dataclass
class UnitCompletion:
    unit_id: int
    name: str
    code: str
    done: int = 0
    open: int = 0
    overdue: int = 0
    cancelled: int = 0
    overdue_people: list[Appraisal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.done + self.open

    @property
    def more_overdue(self) -> int:
        return self.overdue - len(self.overdue_people)


def completion_by_unit(units: QuerySet, *, year: int, today: dt.date | None = None,
                       with_people: bool = True) -> list[UnitCompletion]:
    """Per unit with appraisals in ``year``: how many are done, open and overdue, and (``with_people``) the
    first overdue people by name (two queries, whatever the number of units and appraisals; one without the
    people: the page links each unit to its own overdue list instead of naming up to 25 in every unit)."""
    today = today or timezone.localdate()
    season = Appraisal.objects.filter(year=year, org_unit__in=units)
    overdue = overdue_condition(today)
    rows = {row.unit_id: row for row in _season_counts(season, overdue)}
    if with_people and any(r.overdue for r in rows.values()):
        ranked = (season.filter(overdue).annotate(rank=Window(
            RowNumber(), partition_by=[F("org_unit_id")],
            order_by=[F("subject__last_name").asc(), F("subject__first_name").asc(), F("id").asc()]))
            .filter(rank__lte=OVERDUE_SHOWN).select_related("subject", "appraiser")
            .only("id", "reference", "org_unit_id", *(f"{who}__{name}" for who in ("subject", "appraiser")
                                                     for name in ("id", "first_name", "known_as", "last_name")))
            .order_by("org_unit_id", "subject__last_name", "subject__first_name", "id"))
        for appraisal in ranked:
            rows[appraisal.org_unit_id].overdue_people.append(appraisal)
    return list(rows.values())


def _season_counts(season: QuerySet[Appraisal], overdue: Q) -> list[UnitCompletion]:
    """The season's counts per unit, by the unit's name (one query). Counted per unit first, from the season
    index alone, and the 117 or so rows named after: grouping by the unit's name and code as well made
    PostgreSQL sort every appraisal of the season (43,000 at 50,000 staff) before counting them, and SQLite
    look up the unit's name once per appraisal."""
    counts = season.values("org_unit_id").annotate(
        done=Count("pk", filter=Q(state="completed")), open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=overdue), cancelled=Count("pk", filter=Q(state="cancelled")),
    ).order_by()
    connection = connections[counts.db]
    sql, params = counts.query.sql_with_params()
    q = connection.ops.quote_name
    c = ", ".join(f"c.{q(name)}" for name in ("done", "open", "overdue", "cancelled"))
    named = (f"SELECT c.{q('org_unit_id')}, u.{q('name')}, u.{q('code')}, {c} FROM ({sql}) c "  # noqa: S608
             f"INNER JOIN {q(OrgUnit._meta.db_table)} u ON u.{q('id')} = c.{q('org_unit_id')} "
             f"ORDER BY u.{q('name')}, c.{q('org_unit_id')}")
    with connection.cursor() as cursor:
        cursor.execute(named, params)  # only the models' own names; the values are parameters
        return [UnitCompletion(*row) for row in cursor.fetchall()]


def overdue_in_unit(unit_id: int, *, year: int, today: dt.date | None = None) -> QuerySet[Appraisal]:
    """One unit's overdue appraisals of ``year`` (those begun in the unit, as completion by unit counts them),
    by the staff member's name: the unit's overdue list, read a page at a time."""
    today = today or timezone.localdate()
    step_due = (Task.objects.filter(content_type=ContentType.objects.get_for_model(Appraisal), object_id=OuterRef("pk"),
                                    completed_at__isnull=True).order_by("due_date").values("due_date")[:1])
    return (Appraisal.objects.filter(year=year, org_unit_id=unit_id).filter(overdue_condition(today))
            .annotate(step_due=Subquery(step_due)).select_related("subject", "appraiser")
            .only("id", "reference", "state", "due_on", "org_unit_id",
                  *(f"{who}__{name}" for who in ("subject", "appraiser")
                    for name in ("id", "first_name", "known_as", "last_name")))
            .order_by("subject__last_name", "subject__first_name", "id"))


def my_open_tasks(person, limit: int) -> list[Task]:
    return list(Task.objects.filter(process="appraisal", assignee=person, completed_at__isnull=True)
                .order_by("due_date", "id")[:limit])


def my_appraisal(person, year: int) -> Appraisal | None:
    return Appraisal.objects.filter(subject=person, year=year).select_related("appraiser").first()


def state_label(state: str) -> str:
    return STATES.get(state, state)

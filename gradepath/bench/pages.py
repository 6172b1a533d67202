"""``gradepath bench pages``: server time, query count and bare SQL time of every key page.

Each page is requested in this process through Django's test client (the whole middleware
stack, no network), signed in as the persona who uses it (the demo logins, which the demo and
the generated university both have). The object a page shows is chosen by query, through the
same access gates as the pages (a case the HRBP has a task on, a JD with two versions, a person
in the manager's team...), never by a fixed id.

For each page: two warm-up requests; one request with every SQL statement recorded (the query
count, and the statements with their parameters); then ``repeat`` timed requests (p50, p95, and
the process's CPU time). The bare SQL time is the recorded reads run again on a cursor with their
parameters and every row fetched (the median of a few runs), plus the recorded time of any write
(a session update): what the database alone costs the page.

Targets (issue 13): p95 ≤ 100 ms at 50,000 people; page time ≤ 4 × its bare SQL; and, against a
run at another size (``--baseline``), time at the larger size ≤ 1.3 × time at the smaller, and
the same number of queries at both.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import django
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle

from gradepath.allowances.models import CLOSED_STATES as ALLOWANCE_CLOSED
from gradepath.allowances.models import Allowance
from gradepath.allowances.permissions import visible_allowances
from gradepath.appraisal.models import CLOSED_STATES as APPRAISAL_CLOSED
from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.permissions import completion_units, visible_appraisals
from gradepath.appraisal.selectors import completion_by_unit
from gradepath.demo.logins import DEMO_LOGINS
from gradepath.grading.models import CaseTask, GradingCase
from gradepath.grading.permissions import visible_cases
from gradepath.jobs.matching.store import refresh_library_index
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription
from gradepath.jobs.permissions import versions_for_user, visible_agreed, visible_jds
from gradepath.notifications.models import Notification
from gradepath.people.models import Person, User
from gradepath.progression.models import CLOSED_STATES as PROGRESSION_CLOSED
from gradepath.progression.models import LocalRound, ProgressionRequest
from gradepath.progression.permissions import visible_requests as visible_progression
from gradepath.progression.permissions import visible_rounds
from gradepath.secondments.models import CLOSED_STATES as SECONDMENT_CLOSED
from gradepath.secondments.models import Opportunity, Secondment
from gradepath.secondments.permissions import visible_opportunities, visible_secondments
from gradepath.workflow.models import Task as WorkflowTask

# Targets of issue 13.
P95_TARGET_MS = 100.0
SQL_RATIO_TARGET = 4.0
SIZE_RATIO_TARGET = 1.3

WARMUP_REQUESTS = 2
SQL_RUNS = 5
FORMAT = 1  # of the JSON file
SQL_SHOWN = 1200  # characters of the slowest statement kept in the results (its start and its end)

_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\b", re.I)
_READ = re.compile(r"^\s*(SELECT|WITH|VALUES|EXPLAIN|PRAGMA\s+\w+\s*$)", re.I)


class BenchError(Exception):
    """Something the user must fix before the benchmark can run (a message, not a traceback)."""


@dataclass(frozen=True)
class Page:
    """One page or endpoint to time: a stable key, what it is, who asks and the address."""

    key: str
    label: str
    persona: str
    url: str


@dataclass
class PageResult:
    key: str
    label: str
    persona: str
    url: str
    status: int | str
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_p50_ms: float
    queries: int
    sql_ms: float
    kb: float
    sql_ratio: float
    repeat: int
    slowest_sql_ms: float = 0.0  # the page's slowest statement, run bare
    slowest_sql: str = ""  # its SQL (the start of it)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Run:
    meta: dict[str, Any]
    rows: list[PageResult]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "meta": self.meta, "rows": [asdict(r) for r in self.rows],
                "skipped": [{"key": k, "why": why} for k, why in self.skipped]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Run:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT or not isinstance(data.get("rows"), list):
            raise BenchError("That file is not the JSON of a `gradepath bench pages` run.")
        fields = set(PageResult.__dataclass_fields__)
        try:
            rows = [PageResult(**{k: v for k, v in row.items() if k in fields}) for row in data["rows"]]
        except TypeError as error:
            raise BenchError(f"A row of that file is incomplete ({error}).") from None
        skipped = [(s.get("key", ""), s.get("why", "")) for s in data.get("skipped", [])]
        return cls(meta=dict(data.get("meta", {})), rows=rows, skipped=skipped)


# --- Choosing what to request ------------------------------------------------------------------


@dataclass
class _Finder:
    """Looks up, once, the objects the pages show, through the pages' own access gates."""

    users: dict[str, User]
    _memo: dict[str, Any] = field(default_factory=dict)

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._memo:
            self._memo[name] = make()
        return self._memo[name]

    def person(self, username: str) -> Person | None:
        user = self.users.get(username)
        return Person.objects.filter(user=user).first() if user else None

    def hrbp_case(self) -> GradingCase | None:
        """An open case the HRBP has a task on (else any open case they see, else any case)."""
        def make() -> GradingCase | None:
            user, me = self.users.get("hrbp"), self.person("hrbp")
            if user is None:
                return None
            cases = visible_cases(user).select_related("jd", "proposed_version")
            if me is not None:
                waiting = (CaseTask.objects.filter(assignee=me, completed_at__isnull=True)
                           .order_by("due_date", "id").values_list("object_id", flat=True)[:50])
                found = cases.filter(pk__in=list(waiting), is_closed=False).order_by("pk").first()
                if found:
                    return found
            return cases.filter(is_closed=False).order_by("pk").first() or cases.order_by("pk").first()
        return self._once("hrbp_case", make)

    def case_for(self, username: str) -> GradingCase | None:
        """An open case with the login's own task, else one of their team's or unit's open cases."""
        def make() -> GradingCase | None:
            user, me = self.users.get(username), self.person(username)
            if user is None or me is None:
                return None
            cases = visible_cases(user)
            waiting = (CaseTask.objects.filter(assignee=me, completed_at__isnull=True)
                       .order_by("due_date", "id").values_list("object_id", flat=True)[:50])
            return (cases.filter(pk__in=list(waiting), is_closed=False).order_by("pk").first()
                    or cases.filter(is_closed=False).exclude(subject=me).order_by("pk").first()
                    or cases.order_by("pk").first())
        return self._once(f"case_for_{username}", make)

    def jd_with_two_versions(self) -> JobDescription | None:
        """The JD of the HRBP's case if they can read two of its versions, else the first JD they can."""
        def make() -> JobDescription | None:
            user = self.users.get("hrbp")
            if user is None:
                return None
            case = self.hrbp_case()
            if case is not None and versions_for_user(user, case.jd).count() >= 2:
                return case.jd
            for jd in visible_jds(user).annotate(n=Count("versions")).filter(n__gte=2).order_by("pk")[:20]:
                if versions_for_user(user, jd).count() >= 2:
                    return jd
            return None
        return self._once("jd2", make)

    def version_to_match(self) -> JDVersion | None:
        case = self.hrbp_case()
        return case.proposed_version if case is not None else None

    def report(self) -> Person | None:
        """A current member of the manager's team, with a pay history if one has."""
        def make() -> Person | None:
            me = self.person("manager")
            if me is None:
                return None
            team = me.reports.filter(is_active=True).order_by("last_name", "first_name", "pk")
            return team.filter(pay_records__isnull=False).distinct().first() or team.first()
        return self._once("report", make)

    def allowance_for(self, username: str) -> Allowance | None:
        """An allowance with the login's own open task, else one in HR Services' queue running now (acting up),
        else any open one they see, else any (one query each, through the allowances' access gate)."""
        def make() -> Allowance | None:
            user, me = self.users.get(username), self.person(username)
            if user is None:
                return None
            rows = visible_allowances(user)
            mine = (WorkflowTask.objects.filter(process="allowances", assignee=me, completed_at__isnull=True)
                    .values("object_id") if me is not None else None)
            return ((rows.filter(pk__in=mine).order_by("pk").first() if mine is not None else None)
                    or rows.filter(state="acting").order_by("pk").first()
                    or rows.exclude(state__in=ALLOWANCE_CLOSED).order_by("pk").first() or rows.order_by("pk").first())
        return self._once(f"allowance_{username}", make)

    def appraisal_for(self, username: str) -> Appraisal | None:
        """An appraisal with the login's own open task (a line manager's meeting to record), else an open one
        they see that is not their own, else any (one query each, through the appraisals' access gate)."""
        def make() -> Appraisal | None:
            user, me = self.users.get(username), self.person(username)
            if user is None:
                return None
            rows = visible_appraisals(user)
            mine = (WorkflowTask.objects.filter(process="appraisal", assignee=me, completed_at__isnull=True)
                    .values("object_id") if me is not None else None)
            return ((rows.filter(pk__in=mine).order_by("pk").first() if mine is not None else None)
                    or rows.exclude(state__in=APPRAISAL_CLOSED).exclude(subject=me).order_by("pk").first()
                    or rows.order_by("pk").first())
        return self._once(f"appraisal_{username}", make)

    def completion_unit_for(self, username: str) -> int | None:
        """The unit with the most overdue appraisals this season among those whose completion the login
        follows (else the first with appraisals; one query, the completion page's own counts)."""
        def make() -> int | None:
            user = self.users.get(username)
            units = completion_units(user) if user else None
            if units is None:
                return None
            rows = completion_by_unit(units, year=timezone.localdate().year, with_people=False)
            return max(rows, key=lambda r: (r.overdue, -r.unit_id)).unit_id if rows else None
        return self._once(f"completion_unit_{username}", make)

    def secondment_for(self, username: str) -> Secondment | None:
        """A secondment with the login's own open task (HR Services: their team's queue), else one on
        secondment now they see, else any open one, else any (one query each, through the secondments' gate)."""
        def make() -> Secondment | None:
            user, me = self.users.get(username), self.person(username)
            if user is None:
                return None
            rows = visible_secondments(user)
            tasks = WorkflowTask.objects.filter(process="secondments", completed_at__isnull=True)
            mine = (tasks.filter(assignee=me) if username != "hrservices" else tasks.filter(assignee__isnull=True))
            return (rows.filter(pk__in=mine.values("object_id")).order_by("pk").first()
                    or rows.filter(state="placed").order_by("pk").first()
                    or rows.exclude(state__in=SECONDMENT_CLOSED).order_by("pk").first() or rows.order_by("pk").first())
        return self._once(f"secondment_{username}", make)

    def opportunity_for(self, username: str) -> Opportunity | None:
        """An opportunity the login hosts with applications, else any they see (one query each)."""
        def make() -> Opportunity | None:
            user, me = self.users.get(username), self.person(username)
            if user is None:
                return None
            rows = visible_opportunities(user)
            return (rows.filter(host_manager=me, applications__isnull=False).order_by("-posted_on", "pk").first()
                    or rows.order_by("-posted_on", "pk").first())
        return self._once(f"opportunity_{username}", make)

    def progression_for(self, username: str) -> ProgressionRequest | None:
        """An accelerated increment request with the login's own open task (HR Services: their team's queue),
        else any open one they see, else any (one query each, through the progression access gate)."""
        def make() -> ProgressionRequest | None:
            user, me = self.users.get(username), self.person(username)
            if user is None:
                return None
            rows = visible_progression(user)
            tasks = WorkflowTask.objects.filter(process="progression", completed_at__isnull=True)
            mine = tasks.filter(assignee=me) if username != "hrservices" else tasks.filter(assignee__isnull=True)
            return (rows.filter(pk__in=mine.values("object_id")).order_by("pk").first()
                    or rows.exclude(state__in=PROGRESSION_CLOSED).order_by("pk").first() or rows.order_by("pk").first())
        return self._once(f"progression_{username}", make)

    def local_round_for(self, username: str) -> LocalRound | None:
        """The latest local round the login sees (its faculty's current one; one query)."""
        def make() -> LocalRound | None:
            user = self.users.get(username)
            return visible_rounds(user).order_by("-deadline", "-pk").first() if user else None
        return self._once(f"round_{username}", make)

    def case_search_word(self) -> str | None:
        case = self.hrbp_case()
        return _longest_word(case.title) if case is not None else None

    def library_search_word(self) -> str | None:
        def make() -> str | None:
            user = self.users.get("hrbp")
            if user is None:
                return None
            entry = visible_agreed(user).select_related("version").order_by("pk").first()
            return _longest_word(entry.version.job_title) if entry is not None else None
        return self._once("library_word", make)

    def surname(self) -> str | None:
        person = self.report()
        return person.last_name if person is not None else None

    def most_notified(self) -> str | None:
        """Of the demo logins, the one with the most notifications (the notifications page's heaviest user)."""
        def make() -> str | None:
            row = (Notification.objects.filter(recipient__user__username__in=list(self.users))
                   .values("recipient__user__username").annotate(n=Count("pk")).order_by("-n").first())
            return row["recipient__user__username"] if row else None
        return self._once("notified", make)


def _longest_word(text: str) -> str | None:
    words = [w for w in re.findall(r"[^\W\d_]{3,}", text or "")]
    return max(words, key=len) if words else None


def _q(word: str) -> str:
    return quote(word)


# (key, label, persona or a function choosing one, a function giving the URL or None and why not)
_Spec = tuple[str, str, str | Callable[[_Finder], str | None], Callable[[_Finder], str | None]]


def _case_url(f: _Finder) -> str | None:
    case = f.hrbp_case()
    return f"/grading/{case.pk}/" if case else None


def _case_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        case = f.case_for(username)
        return f"/grading/{case.pk}/" if case else None
    return url


def _case_filtered(f: _Finder) -> str | None:
    case = f.hrbp_case()
    return f"/grading/?status=open&route={case.route}" if case else None


def _case_searched(f: _Finder) -> str | None:
    word = f.case_search_word()
    return f"/grading/?q={_q(word)}" if word else None


def _compare(f: _Finder) -> str | None:
    jd = f.jd_with_two_versions()
    return f"/jobs/{jd.pk}/compare/" if jd else None


def _match(f: _Finder) -> str | None:
    version = f.version_to_match()
    return f"/jobs/versions/{version.pk}/match/" if version else None


def _library_search(f: _Finder, api: bool = False) -> str | None:
    word = f.library_search_word()
    return (f"/api/library/?q={_q(word)}" if api else f"/jobs/library/?q={_q(word)}") if word else None


def _people_search(f: _Finder, api: bool = False) -> str | None:
    word = f.surname()
    return (f"/api/people/?q={_q(word)}" if api else f"/people/?q={_q(word)}") if word else None


def _person(f: _Finder) -> str | None:
    person = f.report()
    return f"/people/{person.pk}/" if person else None


def _pay_history(f: _Finder) -> str | None:
    person = f.report()
    return f"/api/people/{person.pk}/pay-history/" if person else None


def _allowance_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        allowance = f.allowance_for(username)
        return f"/acting-up/{allowance.pk}/" if allowance else None
    return url


def _appraisal_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        appraisal = f.appraisal_for(username)
        return f"/appraisals/{appraisal.pk}/" if appraisal else None
    return url


def _completion_unit_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        unit_id = f.completion_unit_for(username)
        return f"/appraisals/completion/{unit_id}/" if unit_id is not None else None
    return url


def _secondment_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        secondment = f.secondment_for(username)
        return f"/secondments/{secondment.pk}/" if secondment else None
    return url


def _opportunity_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        opportunity = f.opportunity_for(username)
        return f"/secondments/opportunities/{opportunity.pk}/" if opportunity else None
    return url


def _progression_of(username: str) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        found = f.progression_for(username)
        return f"/progression/{found.pk}/" if found else None
    return url


def _round_of(username: str, api: bool = False) -> Callable[[_Finder], str | None]:
    def url(f: _Finder) -> str | None:
        found = f.local_round_for(username)
        return None if found is None else (f"/api/progression/rounds/{found.pk}/panel/" if api
                                           else f"/progression/rounds/{found.pk}/")
    return url


def _fixed(url: str) -> Callable[[_Finder], str]:
    return lambda f: url


SPECS: list[_Spec] = [
    ("home", "My home (staff)", "staff", _fixed("/")),
    ("home-hrbp", "My home (HRBP: panels of waiting work)", "hrbp", _fixed("/")),
    ("inbox", "Inbox", "hrbp", _fixed("/inbox/")),
    ("cases", "Case list, first page", "hrbp", _fixed("/grading/")),
    ("cases-filtered", "Case list, open cases of one route", "hrbp", _case_filtered),
    ("cases-searched", "Case list, searched by a title word", "hrbp", _case_searched),
    ("cases-all", "Case list (HR Services: every case)", "hrservices", _fixed("/grading/")),
    ("cases-manager", "Case list (a line manager: their team's cases)", "manager", _fixed("/grading/")),
    ("cases-hod", "Case list (Head of Department: their division's)", "hod", _fixed("/grading/")),
    ("case", "Case page (a case with the HRBP's task)", "hrbp", _case_url),
    ("case-manager", "Case page (a case of the line manager's)", "manager", _case_of("manager")),
    ("case-hod", "Case page (a case in the Head of Department's division)", "hod", _case_of("hod")),
    ("jd-compare", "JD tracked changes (latest two versions)", "hrbp", _compare),
    ("jds", "JD list", "hrbp", _fixed("/jobs/")),
    ("library", "Agreed JD library, browse", "hrbp", _fixed("/jobs/library/")),
    ("library-search", "Agreed JD library, search", "hrbp", _library_search),
    ("match", "Match page (the case's proposed JD)", "hrbp", _match),
    ("people", "People list (HR Services: everyone)", "hrservices", _fixed("/people/")),
    ("people-search", "People list, searched by a surname", "hrservices", _people_search),
    ("person", "Person page (a report, as their manager)", "manager", _person),
    ("person-hr", "Person page with pay history (HR Services)", "hrservices", _person),
    ("notifications", "Notifications", lambda f: f.most_notified(), _fixed("/notifications/")),
    ("api-inbox", "API: inbox", "hrbp", _fixed("/api/inbox/")),
    ("api-cases", "API: grading cases", "hrbp", _fixed("/api/grading/cases/")),
    ("api-cases-all", "API: grading cases (HR Services)", "hrservices", _fixed("/api/grading/cases/")),
    ("api-people", "API: people", "hrservices", _fixed("/api/people/")),
    ("api-people-search", "API: people, searched by a surname", "hrservices",
     lambda f: _people_search(f, api=True)),
    ("api-pay-history", "API: a person's pay history", "hrservices", _pay_history),
    ("api-units", "API: org units", "admin", _fixed("/api/org-units/")),
    ("api-delegations", "API: delegations", "fmhps", _fixed("/api/delegations/")),
    ("api-jds", "API: JDs", "hrbp", _fixed("/api/jds/")),
    ("api-library", "API: agreed JD library", "hrbp", _fixed("/api/library/")),
    ("api-library-search", "API: agreed JD library, searched", "hrbp", lambda f: _library_search(f, api=True)),
    ("allowances", "Acting up and honoraria list (HR Services: every one)", "hrservices", _fixed("/acting-up/")),
    ("allowances-manager", "Acting up and honoraria list (a line manager: their team's)", "manager",
     _fixed("/acting-up/")),
    ("allowance", "Allowance page (acting up running, in HR Services' queue)", "hrservices",
     _allowance_of("hrservices")),
    ("allowance-manager", "Allowance page (one waiting for the line manager)", "manager", _allowance_of("manager")),
    ("allowances-payroll", "Honoraria payable this month (HR Services)", "hrservices", _fixed("/acting-up/payroll/")),
    ("api-allowances", "API: acting up and honoraria (HR Services)", "hrservices", _fixed("/api/allowances/")),
    ("api-allowances-manager", "API: acting up and honoraria (a line manager)", "manager", _fixed("/api/allowances/")),
    ("appraisals", "Appraisal list (a line manager: their team's, and meetings to record)", "manager",
     _fixed("/appraisals/")),
    ("appraisals-all", "Appraisal list (HR Services: every appraisal)", "hrservices", _fixed("/appraisals/")),
    ("appraisal", "Appraisal page (a meeting waiting for the line manager)", "manager", _appraisal_of("manager")),
    ("appraisal-hrbp", "Appraisal page (one in the HRBP's faculty)", "hrbp", _appraisal_of("hrbp")),
    ("appraisals-completion", "Appraisal completion by unit (HRBP: their faculty's units)", "hrbp",
     _fixed("/appraisals/completion/")),
    ("appraisals-completion-all", "Appraisal completion by unit (HR Services: every unit)", "hrservices",
     _fixed("/appraisals/completion/")),
    ("appraisals-completion-unit", "A unit's overdue appraisals (HR Services: the unit with the most)", "hrservices",
     _completion_unit_of("hrservices")),
    ("api-appraisals", "API: appraisals (a line manager)", "manager", _fixed("/api/appraisals/")),
    ("api-appraisals-all", "API: appraisals (HR Services)", "hrservices", _fixed("/api/appraisals/")),
    ("api-appraisals-completion", "API: appraisal completion by unit (HRBP)", "hrbp",
     _fixed("/api/appraisals/completion/")),
    ("secondments-board", "Secondments board (staff: open opportunities, their tasks)", "staff", _fixed("/secondments/")),
    ("secondments-board-host", "Secondments board (the host: tasks and the opportunities they host)", "host",
     _fixed("/secondments/")),
    ("secondments", "Secondment applications list (HR Services: every one)", "hrservices",
     _fixed("/secondments/applications/")),
    ("secondments-manager", "Secondment applications list (a line manager: their team's)", "manager",
     _fixed("/secondments/applications/")),
    ("secondment", "Secondment page (one in HR Services' queue)", "hrservices", _secondment_of("hrservices")),
    ("secondment-host", "Secondment page (one waiting for the host)", "host", _secondment_of("host")),
    ("secondment-opportunity", "Secondment opportunity page (the host's, with its applications)", "host",
     _opportunity_of("host")),
    ("secondments-register", "Redeployment register (HR Services)", "hrservices", _fixed("/secondments/register/")),
    ("api-secondments", "API: secondments (HR Services)", "hrservices", _fixed("/api/secondments/")),
    ("api-secondment-opportunities", "API: secondment opportunities (staff)", "staff",
     _fixed("/api/secondments/opportunities/")),
    ("progression", "Accelerated increments list (HR Services: every one)", "hrservices", _fixed("/progression/")),
    ("progression-dean", "Accelerated increments list (the Dean: their faculty's)", "dean", _fixed("/progression/")),
    ("progression-hod", "Accelerated increments list (Head of Department: their division's)", "hod",
     _fixed("/progression/")),
    ("progression-request", "Accelerated increment request (one waiting for the Dean)", "dean",
     _progression_of("dean")),
    ("progression-request-hr", "Accelerated increment request (one in HR Services' queue)", "hrservices",
     _progression_of("hrservices")),
    ("progression-rounds", "Local rounds (the Dean)", "dean", _fixed("/progression/rounds/")),
    ("progression-round", "Local round panel (the Dean: the faculty's latest round)", "dean", _round_of("dean")),
    ("api-progression", "API: accelerated increment requests (HR Services)", "hrservices",
     _fixed("/api/progression/requests/")),
    ("api-progression-dean", "API: accelerated increment requests (the Dean)", "dean",
     _fixed("/api/progression/requests/")),
    ("api-progression-round", "API: a local round's panel (the Dean)", "dean", _round_of("dean", api=True)),
]
PAGE_KEYS = [spec[0] for spec in SPECS]


def demo_users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS],
                                                         is_active=True)}


def plan_pages(only: Sequence[str] = ()) -> tuple[list[Page], list[tuple[str, str]]]:
    """The pages to time (those named in ``only``, or all), and those skipped with the reason."""
    unknown = [key for key in only if key not in PAGE_KEYS]
    if unknown:
        raise BenchError(f"No page is called {', '.join(unknown)}. The pages are: {', '.join(PAGE_KEYS)}.")
    users = demo_users()
    if not users:
        raise BenchError("This database has none of the demo logins (staff, manager, hrbp...). Build the demo "
                         "(`gradepath demo --no-serve`) or a generated university (`gradepath generate`) first.")
    finder = _Finder(users)
    pages: list[Page] = []
    skipped: list[tuple[str, str]] = []
    for key, label, who, url_of in SPECS:
        if only and key not in only:
            continue
        persona = who(finder) if callable(who) else who
        if not persona or persona not in users:
            skipped.append((key, f"the login {persona or 'it needs'} is not in this database"))
            continue
        url = url_of(finder)
        if url is None:
            skipped.append((key, "nothing in this database for it to show (see its label)"))
            continue
        pages.append(Page(key, label, persona, url))
    return pages, skipped


# --- Timing ----------------------------------------------------------------------------------------


@dataclass
class _Statement:
    sql: str
    params: Any
    many: bool
    seconds: float


class _Recorder:
    """An execute wrapper keeping every statement with its parameters and its own time."""

    def __init__(self) -> None:
        self.statements: list[_Statement] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(_Statement(sql, params, many, time.perf_counter() - started))


def _percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def bare_sql_seconds(statements: Sequence[_Statement], runs: int = SQL_RUNS) -> tuple[float, float, str]:
    """The recorded reads run again with their parameters, every row fetched (median of ``runs``),
    plus the recorded time of the writes (never run twice); savepoints are left out. Also the
    slowest statement (its median time and its SQL), for whoever looks into a slow page."""
    reads = [s for s in statements if _READ.match(s.sql)]
    writes = [s for s in statements if not _READ.match(s.sql) and not _SAVEPOINT.match(s.sql)]
    totals: list[float] = []
    each: list[list[float]] = [[] for _ in reads]
    for _ in range(max(runs, 1)):
        with transaction.atomic():
            cursor = connection.cursor()
            try:
                total = 0.0
                for n, statement in enumerate(reads):
                    started = time.perf_counter()
                    if statement.many:
                        cursor.executemany(statement.sql, statement.params)
                    else:
                        cursor.execute(statement.sql, statement.params)
                    if cursor.description is not None:
                        cursor.fetchall()
                    took = time.perf_counter() - started
                    each[n].append(took)
                    total += took
                totals.append(total)
            finally:
                cursor.close()
            transaction.set_rollback(True)
    timed = [(statistics.median(times), s.sql) for times, s in zip(each, reads, strict=True)]
    timed += [(s.seconds, s.sql) for s in writes]
    slowest = max(timed, default=(0.0, ""))
    return statistics.median(totals) + sum(s.seconds for s in writes), slowest[0], slowest[1]


def _shorten(sql: str) -> str:
    """The start and the end of a long statement (its joins, conditions and order are at the end)."""
    if len(sql) <= SQL_SHOWN:
        return sql
    return sql[:200] + " … " + sql[-(SQL_SHOWN - 200):]


def _host_and_scheme() -> tuple[str, bool]:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    host = "testserver" if "testserver" in settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS else (
        hosts[0] if hosts else "testserver")
    return host, bool(getattr(settings, "SECURE_SSL_REDIRECT", False))


def _get(client: Client, url: str, host: str, secure: bool):
    try:
        return client.get(url, HTTP_HOST=host, secure=secure)
    except Exception as error:  # noqa: BLE001 - the row reports the failure; the others still run
        return f"error: {type(error).__name__}: {str(error)[:200]}"


def time_page(page: Page, client: Client, *, repeat: int, host: str, secure: bool,
              user: User | None = None) -> PageResult:
    """Warm up, record the SQL of one request, then time ``repeat`` requests of one page."""
    if user is not None:  # the API's per-user rate limit must not turn a timed request into a 429
        UserRateThrottle.cache.delete(UserRateThrottle.cache_format % {"scope": "user", "ident": user.pk})
    for _ in range(WARMUP_REQUESTS):
        _get(client, page.url, host, secure)
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        response = _get(client, page.url, host, secure)
    if isinstance(response, str) or response.status_code != 200:
        status = response if isinstance(response, str) else response.status_code
        return PageResult(page.key, page.label, page.persona, page.url, status, 0.0, 0.0, 0.0, 0.0,
                          len(recorder.statements), 0.0, 0.0, 0.0, 0)
    size_kb = len(response.content) / 1024
    walls: list[float] = []
    cpus: list[float] = []
    status: int | str = 200
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        response = _get(client, page.url, host, secure)
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
        if isinstance(response, str) or response.status_code != 200:
            status = response if isinstance(response, str) else response.status_code
            break
    sql, slowest, slowest_sql = bare_sql_seconds(recorder.statements)
    p50 = statistics.median(walls)
    return PageResult(
        key=page.key, label=page.label, persona=page.persona, url=page.url, status=status,
        p50_ms=round(p50 * 1000, 2), p95_ms=round(_percentile(walls, 0.95) * 1000, 2),
        max_ms=round(max(walls) * 1000, 2), cpu_p50_ms=round(statistics.median(cpus) * 1000, 2),
        queries=len(recorder.statements), sql_ms=round(sql * 1000, 2), kb=round(size_kb, 1),
        sql_ratio=round(p50 / sql, 2) if sql > 0 else 0.0, repeat=len(walls),
        slowest_sql_ms=round(slowest * 1000, 2), slowest_sql=_shorten(slowest_sql),
    )


def refresh_matching_index() -> str:
    """Bring the matching index up to date, as the worker would, so the match page is timed with it."""
    library = refresh_library_index()
    return f"{len(library.agreed_ids):,} agreed JDs ({library.backend})"


def source_commit() -> str:
    """The commit of the checkout Gradepath runs from ("" when it is not a git checkout), read from
    .git without running git."""
    git = Path(settings.REPO_DIR) / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return ""


def sizes() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "cases": GradingCase.objects.count(),
        "open_cases": GradingCase.objects.filter(is_closed=False).count(),
        "jds": JobDescription.objects.count(),
        "jd_versions": JDVersion.objects.count(),
        "agreed_jds": AgreedJD.objects.filter(is_current=True).count(),
        "notifications": Notification.objects.count(),
    }


def check_static_files() -> None:
    """Pages link their static files through the manifest ``collectstatic`` writes: without it every
    page would fail, so say what to do instead of timing 500s."""
    storage = staticfiles_storage
    manifest = getattr(storage, "manifest_name", None)
    if manifest and not storage.exists(manifest):
        raise BenchError(
            f"The static files are not collected in {settings.STATIC_ROOT}, so no page can be drawn. Run "
            "`gradepath collectstatic --no-input` with the same GRADEPATH_DATA_DIR (or GRADEPATH_STATIC_ROOT) first, "
            "or set GRADEPATH_PLAIN_STATIC=true for the benchmark.")


def run_pages(*, repeat: int = 20, only: Sequence[str] = (), progress: Callable[[str], None] | None = None,
              refresh_index: bool = True) -> Run:
    """Time the pages (all, or those in ``only``) against the configured database."""
    if repeat < 1:
        raise BenchError("--repeat must be at least 1.")
    say = progress or (lambda message: None)
    pages, skipped = plan_pages(only)
    if any(not page.url.startswith("/api/") for page in pages):
        check_static_files()
    index_note = ""
    if refresh_index and any(p.key == "match" for p in pages):
        say("Bringing the matching index up to date (as the worker would)…")
        index_note = refresh_matching_index()
    users = demo_users()
    host, secure = _host_and_scheme()
    clients: dict[str, Client] = {}
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[PageResult] = []
    try:
        for page in pages:
            client = clients.get(page.persona)
            if client is None:
                client = clients[page.persona] = Client()
                client.force_login(users[page.persona])
            say(f"  {page.key} as {page.persona}: {page.url}")
            rows.append(time_page(page, client, repeat=repeat, host=host, secure=secure,
                                  user=users[page.persona]))
    finally:
        for client in clients.values():
            client.logout()  # the benchmark's sessions go with it
    meta = {
        "vendor": connection.vendor,
        "database": str(connection.settings_dict.get("NAME", "")),
        "sizes": sizes(),
        "repeat": repeat,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "commit": source_commit(),
        "matching_index": index_note,
    }
    return Run(meta=meta, rows=rows, skipped=skipped)


# --- Comparing and printing --------------------------------------------------------------------


@dataclass
class Comparison:
    """A row's figures against the same row of a run at another size."""

    size_ratio: float | None  # p50 at the larger size / p50 at the smaller
    size_ratio_p95: float | None
    baseline_p50_ms: float | None
    baseline_queries: int | None
    same_queries: bool | None


def compare(run: Run, baseline: Run | None) -> dict[str, Comparison]:
    if baseline is None:
        return {}
    larger_is_run = run.meta.get("sizes", {}).get("people", 0) >= baseline.meta.get("sizes", {}).get("people", 0)
    by_key = {row.key: row for row in baseline.rows}
    out: dict[str, Comparison] = {}
    for row in run.rows:
        base = by_key.get(row.key)
        if base is None or not row.ok or not base.ok:
            out[row.key] = Comparison(None, None, base.p50_ms if base else None, base.queries if base else None, None)
            continue
        large, small = (row, base) if larger_is_run else (base, row)
        out[row.key] = Comparison(
            size_ratio=round(large.p50_ms / small.p50_ms, 2) if small.p50_ms else None,
            size_ratio_p95=round(large.p95_ms / small.p95_ms, 2) if small.p95_ms else None,
            baseline_p50_ms=base.p50_ms, baseline_queries=base.queries, same_queries=row.queries == base.queries,
        )
    return out


def misses(row: PageResult, comparison: Comparison | None) -> list[str]:
    """The targets this row misses, each with its figure."""
    if not row.ok:
        return [f"status {row.status}"]
    out = []
    if row.p95_ms > P95_TARGET_MS:
        out.append(f"p95 {row.p95_ms:.0f}>{P95_TARGET_MS:.0f}")
    if row.sql_ratio > SQL_RATIO_TARGET:
        out.append(f"×SQL {row.sql_ratio:.1f}>{SQL_RATIO_TARGET:.0f}")
    if comparison is not None:
        if comparison.size_ratio is not None and comparison.size_ratio > SIZE_RATIO_TARGET:
            out.append(f"×size {comparison.size_ratio:.2f}>{SIZE_RATIO_TARGET}")
        if comparison.same_queries is False:
            out.append(f"queries {comparison.baseline_queries}→{row.queries}")
    return out


def _describe(meta: Mapping[str, Any]) -> str:
    s = meta.get("sizes", {})
    load = meta.get("load_before") or ["?"]
    return (f"{meta.get('vendor', '?')} {meta.get('database', '')}: {s.get('people', 0):,} people, "
            f"{s.get('cases', 0):,} cases, {s.get('jd_versions', 0):,} JD versions, {s.get('agreed_jds', 0):,} agreed "
            f"JDs; {meta.get('repeat', '?')} timed requests a page; load average {load[0]} "
            f"({meta.get('cores', '?')} cores) at the start, {(meta.get('load_after') or ['?'])[0]} at the end"
            + (f"; commit {meta['commit']}" if meta.get("commit") else ""))


def table(run: Run, baseline: Run | None = None) -> str:
    """One table: the figures, the ratios and the targets each row misses."""
    comparisons = compare(run, baseline)
    head = ["page", "as", "p50", "p95", "cpu50", "queries", "SQL", "×SQL", "KB"]
    if baseline is not None:
        head += ["base p50", "×size", "base q"]
    head += ["misses"]
    body: list[list[str]] = []
    for row in run.rows:
        c = comparisons.get(row.key)
        cells = [row.key, row.persona, f"{row.p50_ms:.1f}", f"{row.p95_ms:.1f}", f"{row.cpu_p50_ms:.1f}",
                 str(row.queries), f"{row.sql_ms:.1f}", f"{row.sql_ratio:.1f}", f"{row.kb:.0f}"]
        if baseline is not None:
            cells += [f"{c.baseline_p50_ms:.1f}" if c and c.baseline_p50_ms is not None else "-",
                      f"{c.size_ratio:.2f}" if c and c.size_ratio is not None else "-",
                      ("=" if c.same_queries else str(c.baseline_queries)) if c and c.baseline_queries is not None
                      else "-"]
        cells.append(", ".join(misses(row, c)) or "ok")
        body.append(cells)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    numeric = set(range(2, len(head) - 1))

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    lines = [f"This run: {_describe(run.meta)}."]
    if baseline is not None:
        lines.append(f"Baseline: {_describe(baseline.meta)}.")
    lines += ["", line(head), line(["-" * w for w in widths]), *map(line, body), ""]
    lines.append(
        f"Times in ms (p50, p95 of the timed requests; cpu50: this process's CPU time, p50; SQL: the page's SQL "
        f"run bare). Targets: p95 ≤ {P95_TARGET_MS:.0f} ms at 50,000 people; ×SQL (p50 / SQL) ≤ "
        f"{SQL_RATIO_TARGET:.0f}" + (f"; ×size (p50 at the larger size / p50 at the smaller) ≤ {SIZE_RATIO_TARGET}; "
                                     "the same query count at both sizes" if baseline is not None else "") + ".")
    failed = sum(1 for row in run.rows if misses(row, comparisons.get(row.key)))
    lines.append(f"{len(run.rows) - failed} of {len(run.rows)} rows meet every target." if run.rows
                 else "No page was timed.")
    for key, why in run.skipped:
        lines.append(f"Skipped {key}: {why}.")
    return "\n".join(lines)

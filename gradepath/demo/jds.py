"""Demo content for job descriptions: believable JD texts and an agreed JD library built from them.

Two layers:

* :func:`compose_jd` writes the sections of one JD (title, purpose, duties, line management,
  working relationships, person specification, additional information) for an *area* of work
  and a grade, from the phrase banks in ``data/jd_phrases.yaml``. It only reads the ``random.Random`` it is given, so
  one seed always gives the same text. Levels of responsibility follow the grade: routine tasks
  under close supervision (grades 1–2), established procedures with some judgement (3–4),
  specialist knowledge, supervision and problem solving (5–6), managing services, teams, budgets
  and interpreting policy (7–8), leading a function across a faculty or division (9–10). The
  text never names a person, a grade or a gender (``services.text_warnings`` stays silent).
* :func:`build_demo_jds` turns that into data through the job description services only
  (``create_job_description``, ``save_draft``, ``submit_version``, ``start_new_draft``,
  ``log_agreed_jd``), so every JD has its history rows: an agreed library across job families
  and every grade, JDs with two to four versions whose tracked changes show added, removed,
  moved and reworded text, a few open drafts, and posts sharing one JD version.

The demo university builder calls :func:`build_demo_jds` after it has created org units,
people, posts and appointments; ``gradepath demo-jds`` runs it on its own.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from gradepath.core.errors import ServiceError
from gradepath.grades.models import Grade, GradeStructure
from gradepath.jobs import services
from gradepath.jobs.models import AgreedJD, JDVersion, JobDescription, JobFamily
from gradepath.people.models import Appointment, OrgUnit, Person, Post

PSS = "pss"
TECHNICAL = "technical"

# --- The phrase banks (data/jd_phrases.yaml) ------------------------------------------------------

PHRASES_FILE = Path(__file__).parent / "data" / "jd_phrases.yaml"


@dataclass(frozen=True)
class Area:
    """An area of work: its job family, titles by grade and the phrase banks its JDs draw on.

    Duty banks by level: ``entry`` (grades 1–2), ``do`` (operational work), ``lead`` (specialist
    work and supervision), ``manage`` (running a service). Person specification lines start with
    ``A:``, ``I:`` or ``B:`` for assessed at application, at interview, or both.
    """

    key: str
    label: str
    family: str
    category: str
    titles: dict[int, tuple[str, ...]]
    tasks: str
    aim: str
    users: str
    outcome: str
    context: tuple[str, ...]
    equipment: tuple[str, ...]
    systems: tuple[str, ...]
    do: tuple[str, ...]
    lead: tuple[str, ...]
    manage: tuple[str, ...]
    internal: tuple[str, ...]
    external: tuple[str, ...]
    essential: tuple[str, ...]
    desirable: tuple[str, ...]
    extras: tuple[str, ...]
    team: str
    unit_words: tuple[str, ...]
    entry: tuple[str, ...] = ()


def _load_phrases() -> dict[str, Any]:
    """The phrase banks, as the composing code reads them: tuples of lines, titles by grade."""
    with PHRASES_FILE.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader

    def by_band(bank: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {band: tuple(texts) for band, texts in bank.items()}

    def area(row: dict[str, Any]) -> Area:
        fields = {name: tuple(value) if isinstance(value, list) else value for name, value in row.items()}
        fields["titles"] = {int(grade): tuple(titles) for grade, titles in row["titles"].items()}
        return Area(**fields)

    return {
        "families": tuple((row["code"], row["name"]) for row in data["families"]),
        "areas": tuple(area(row) for row in data["areas"]),
        "title_rules": tuple((row["pattern"], row["area"]) for row in data["title_rules"]),
        **{name: by_band(data[name]) for name in ("generic_duties", "purposes", "purpose_closers",
                                                  "generic_criteria", "generic_desirable", "generic_extras")},
        "last_duty": data["last_duty"],
        "extra_suffix": data["extra_suffix"],
    }


_PHRASES = _load_phrases()

# Job families (code, name), and the areas of work with their titles by grade and phrase banks.
FAMILIES: tuple[tuple[str, str], ...] = _PHRASES["families"]
AREAS: tuple[Area, ...] = _PHRASES["areas"]
AREAS_BY_KEY = {area.key: area for area in AREAS}

# Title words → area, for post titles the areas do not list (checked in order).
TITLE_RULES: tuple[tuple[str, str], ...] = _PHRASES["title_rules"]

# --- Shared phrase banks by level of responsibility -----------------------------------------------

ENTRY, OPERATIONAL, SPECIALIST, MANAGEMENT, LEADERSHIP = "entry", "operational", "specialist", "management", "leadership"


def band_of(grade: int) -> str:
    """The level of responsibility a grade number stands for."""
    if grade <= 2:
        return ENTRY
    if grade <= 4:
        return OPERATIONAL
    if grade <= 6:
        return SPECIALIST
    if grade <= 8:
        return MANAGEMENT
    return LEADERSHIP



GENERIC_DUTIES: dict[str, tuple[str, ...]] = _PHRASES["generic_duties"]
LAST_DUTY: str = _PHRASES["last_duty"]
PURPOSES: dict[str, tuple[str, ...]] = _PHRASES["purposes"]
PURPOSE_CLOSERS: dict[str, tuple[str, ...]] = _PHRASES["purpose_closers"]
GENERIC_CRITERIA: dict[str, tuple[str, ...]] = _PHRASES["generic_criteria"]
GENERIC_DESIRABLE: dict[str, tuple[str, ...]] = _PHRASES["generic_desirable"]
GENERIC_EXTRAS: dict[str, tuple[str, ...]] = _PHRASES["generic_extras"]
EXTRA_SUFFIX: str = _PHRASES["extra_suffix"]


# --- Composing one JD -----------------------------------------------------------------------------

def _fill(text: str, area: Area, rng: random.Random) -> str:
    if "{" not in text:
        return text
    equipment = list(area.equipment) or ["specialist equipment", "shared equipment"]
    first, second = rng.sample(equipment, 2) if len(equipment) > 1 else (equipment[0], equipment[0])
    system = rng.choice(area.systems) if area.systems else "the relevant systems"
    return text.format(equipment=first, equipment2=second, system=system)


def _criterion(tagged: str, kind: str) -> dict[str, str]:
    code, _, text = tagged.partition(":")
    return {"text": text, "kind": kind,
            "assessed": {"A": "application", "I": "interview", "B": "both"}[code]}


def _duty_pools(area: Area, band: str) -> tuple[list[str], list[str]]:
    """(area duties, generic duties) a JD of this level draws from, most characteristic first."""
    if band == ENTRY:
        own = list(area.entry) or list(area.do[:4])
    elif band == OPERATIONAL:
        own = list(area.do) + list(area.entry[:2])
    elif band == SPECIALIST:
        own = list(area.lead) + list(area.do)
    elif band == MANAGEMENT:
        own = list(area.manage) + list(area.lead)
    else:
        own = list(area.manage) + list(area.lead[:3])
    return own, list(GENERIC_DUTIES[band])


def _duty_count(grade: int, rng: random.Random) -> int:
    low, high = {1: (6, 8), 2: (6, 8), 3: (7, 9), 4: (7, 10), 5: (8, 11), 6: (9, 12)}.get(grade, (9, 14))
    return rng.randint(low, high)


def line_management_text(area: Area, grade: int, rng: random.Random) -> str:
    """Line management and budget responsibility, scaled by level."""
    team = area.team
    if grade <= 2:
        return "No line management responsibility. No budget responsibility."
    if grade <= 4:
        return rng.choice((
            "No line management responsibility. May show new and temporary colleagues how to carry out routine tasks. "
            "No budget responsibility.",
            "No formal line management. Checks the work of casual staff on occasion. No budget responsibility, "
            "but orders stock and consumables within agreed limits.",
        ))
    if grade <= 6:
        supervised = rng.randint(1, 4) if grade == 6 else rng.randint(0, 2)
        people = (f"{supervised} {team}" if supervised > 1 else f"one of the department's {team}") if supervised else None
        orders = rng.choice(("£1,000", "£2,500", "£5,000", "£10,000"))
        if people is None:
            return (f"No line management responsibility; allocates and checks work given to students and temporary "
                    f"staff. Authorised to approve orders up to {orders}.")
        return (f"Supervises the day-to-day work of {people}, including allocating and checking work and "
                f"contributing to their appraisals. Authorised to approve orders up to {orders}.")
    if grade <= 8:
        direct = rng.randint(3, 8)
        total = direct + rng.randint(2, 12) * (grade - 6)
        budget = rng.choice(("£40,000", "£75,000", "£150,000", "£250,000") if grade == 7
                            else ("£250,000", "£400,000", "£750,000", "£1.2 million"))
        return (f"Line manages {direct} {team} directly, with responsibility for a team of {total} in all. "
                f"Manages a non-pay budget of about {budget} a year and approves expenditure within the "
                f"university's financial regulations.")
    managers = rng.randint(3, 7)
    staff = managers * rng.randint(8, 20)
    budget = rng.choice(("£2 million", "£4 million", "£6.5 million", "£11 million", "£18 million"))
    return (f"Leads a function of about {staff} staff through {managers} senior managers. Accountable for a "
            f"budget of about {budget} a year, including pay, and for the function's income targets.")


def working_relationships_text(area: Area, band: str, rng: random.Random) -> str:
    inside = rng.sample(list(area.internal), min(len(area.internal), rng.randint(3, 5)))
    outside = rng.sample(list(area.external), min(len(area.external), rng.randint(1, 3)))
    lead_in = {
        ENTRY: "the supervisor and the rest of the team",
        OPERATIONAL: "the line manager and colleagues in the team",
        SPECIALIST: "the line manager, the team and colleagues in related services",
        MANAGEMENT: "the FM/HPS, the Head of Department and the HR Business Partner",
        LEADERSHIP: "the Dean, the Vice-Provost (Operations) and directors of other professional services",
    }[band]
    text = f"Internal: {lead_in}; {', '.join(inside)}."
    if outside:
        text += f" External: {', '.join(outside)}."
    return text


def _person_spec(area: Area, band: str, rng: random.Random) -> list[dict[str, str]]:
    own = [c for c in area.essential if band != LEADERSHIP or not c.startswith("A:")] or list(area.essential)
    essential = list(GENERIC_CRITERIA[band][:2]) + rng.sample(own, min(3, len(own)))
    essential += rng.sample(list(GENERIC_CRITERIA[band][2:]), 1)
    desirable = rng.sample(list(area.desirable), min(2, len(area.desirable)))
    desirable += rng.sample(list(GENERIC_DESIRABLE[band]), 1)
    seen: set[str] = set()
    spec = []
    for tagged, kind in [*[(c, "essential") for c in essential], *[(c, "desirable") for c in desirable]]:
        if tagged not in seen:
            seen.add(tagged)
            spec.append(_criterion(tagged, kind))
    return spec


def compose_purpose(area: Area, grade: int, rng: random.Random, *, variant: int | None = None,
                    scope: str = "the faculty") -> str:
    """Two or three sentences; ``variant`` picks the opening wording (for reworded versions);
    ``scope`` is what a leadership role leads across ("the faculty", "the division")."""
    band = band_of(grade)
    openings = PURPOSES[band]
    opening = openings[variant % len(openings)] if variant is not None else rng.choice(openings)
    sentences = [opening.format(tasks=area.tasks, aim=area.aim, users=area.users, outcome=area.outcome,
                                scope=scope),
                 rng.choice(area.context)]
    if rng.random() < 0.6:
        sentences.append(rng.choice(PURPOSE_CLOSERS[band]))
    return " ".join(sentences)


def compose_jd(rng: random.Random, area: Area, title: str, grade: int, *,
               scope: str = "the faculty") -> dict[str, Any]:
    """The sections of one JD (as ``create_job_description`` takes them) plus ``spare_duties``:
    believable duties this text does not use, for later versions to add."""
    band = band_of(grade)
    own, generic = _duty_pools(area, band)
    n = _duty_count(grade, rng) - 1  # the closing "other duties" line makes up the count
    n_generic = min(len(generic), max(1, n // 4, n - len(own)))
    n_own = min(len(own), n - n_generic)
    chosen_own = rng.sample(own, n_own)
    # Keep the area's characteristic duties in the order they are written (most central first).
    chosen_own.sort(key=own.index)
    chosen_generic = rng.sample(generic, n_generic)
    duties = [_fill(d, area, rng) for d in chosen_own + chosen_generic] + [LAST_DUTY]
    spare = [_fill(d, area, rng) for d in own + generic if d not in chosen_own and d not in chosen_generic]
    extras = [rng.choice(area.extras)] if area.extras else []
    extras += [rng.choice(GENERIC_EXTRAS[band]), EXTRA_SUFFIX]
    return {
        "job_title": title,
        "purpose": compose_purpose(area, grade, rng, scope=scope),
        "scope": scope,
        "duties": duties,
        "line_management": line_management_text(area, grade, rng),
        "working_relationships": working_relationships_text(area, band, rng),
        "person_spec": _person_spec(area, band, rng),
        "additional_information": " ".join(extras),
        "spare_duties": [d for d in dict.fromkeys(spare) if d not in duties],
    }


NOT_SECTIONS = ("spare_duties", "scope", "grade")


def sections_of(text: dict[str, Any]) -> dict[str, Any]:
    """Only the JD sections of a composed text (what ``create_job_description`` takes)."""
    return {k: v for k, v in text.items() if k not in NOT_SECTIONS}


def area_for_title(title: str, unit: OrgUnit | None = None) -> Area:
    """The area a job title belongs to: listed titles first, then title words; estates units
    keep their engineering technicians in estates maintenance."""
    listed = [a for a in AREAS if any(title in titles for titles in a.titles.values())]
    area = listed[0] if listed else None
    if area is None:
        lowered = title.lower()
        for pattern, key in TITLE_RULES:
            if re.search(pattern, lowered):
                area = AREAS_BY_KEY[key]
                break
    area = area or AREAS_BY_KEY["admin"]
    if unit is not None and area.key in ("workshop", "electronics") and "/" in (unit.path or ""):
        if _root_name(unit).lower().startswith("estates"):
            area = AREAS_BY_KEY["estates"]
    return area


_ROOTS: dict[int, OrgUnit] = {}


def _root(unit: OrgUnit) -> OrgUnit:
    """The faculty or PS division a unit belongs to (cached for one build)."""
    root_id = (unit.ancestor_ids or [unit.pk])[0]
    if root_id not in _ROOTS:
        _ROOTS[root_id] = unit if root_id == unit.pk else OrgUnit.objects.get(pk=root_id)
    return _ROOTS[root_id]


def _root_name(unit: OrgUnit) -> str:
    return _root(unit).name


def scope_of(unit: OrgUnit) -> str:
    """What a leadership role in this unit leads across, in the university's words."""
    return "the division" if _root(unit).kind == OrgUnit.Kind.PS_DIVISION else "the faculty"


# --- Versions: believable edits between one version and the next ---------------------------------

def earlier_version(sections: dict[str, Any], area: Area, grade: int, rng: random.Random, *,
                    regraded: bool) -> tuple[dict[str, Any], list[str]]:
    """The text a JD had before its latest edit, and the edits (later minus earlier) in words.

    Going backwards from the later text: a duty it added is taken out, a duty it removed is put
    back, a duty it moved goes back to where it was, and its purpose had other wording. When the
    later version was a regrade, the earlier one also carried less responsibility.
    """
    earlier = {k: (list(v) if isinstance(v, list) else v) for k, v in sections.items()}
    earlier["person_spec"] = [dict(c) for c in sections["person_spec"]]
    duties: list[str] = earlier["duties"]
    spare: list[str] = earlier["spare_duties"]
    edits: list[str] = []
    body = duties[:-1]  # the closing "other duties" line stays last

    # Removed in the later version: the earlier one had a duty the later one does not.
    removed = None
    if spare:
        removed = spare.pop(rng.randrange(len(spare)))
        body.insert(rng.randrange(len(body) + 1), removed)
        edits.append(f"removed duty: {removed}")
    # Added in the later version (one, or two for a regrade).
    for _ in range(2 if regraded else 1):
        candidates = [i for i, d in enumerate(body) if d != removed]
        if len(body) > 4 and candidates:
            added = body.pop(rng.choice(candidates))
            spare.append(added)
            edits.append(f"added duty: {added}")
    # Moved in the later version: in the earlier one it sat elsewhere.
    if len(body) > 3:
        i = rng.choice([k for k, d in enumerate(body) if d != removed])
        j = (i + rng.randrange(2, len(body))) % len(body)
        moved = body.pop(i)
        body.insert(j, moved)
        edits.append(f"moved duty: {moved}")
    earlier["duties"] = [*body, duties[-1]]
    # Reworded purpose.
    old_purpose = sections["purpose"]
    for variant in range(4):
        candidate = compose_purpose(area, max(1, grade - 1) if regraded else grade, rng, variant=variant,
                                    scope=sections["scope"])
        if candidate != old_purpose:
            earlier["purpose"] = candidate
            edits.append("reworded purpose")
            break
    if regraded:
        earlier["line_management"] = line_management_text(area, max(1, grade - 1), rng)
        edits.append("more line management and budget responsibility")
    elif len(earlier["person_spec"]) > 4 and rng.random() < 0.5:
        dropped = earlier["person_spec"].pop()
        edits.append(f"added criterion: {dropped['text']}")
    earlier["spare_duties"] = spare
    return earlier, edits


# --- Building the library through the services ----------------------------------------------------

GRADE_WEIGHTS = {1: 2, 2: 3, 3: 8, 4: 10, 5: 12, 6: 12, 7: 10, 8: 5, 9: 3, 10: 2}


@dataclass
class PlannedJD:
    """One JD the demo will create: its area, title, grade, owning unit and the posts that hold it."""

    area: Area
    title: str
    grade: int
    unit: OrgUnit
    posts: list[Post] = field(default_factory=list)
    versions: int = 1
    regraded: bool = False
    open_draft: bool = False


@dataclass
class DemoJDResult:
    """What :func:`build_demo_jds` made."""

    families: dict[str, JobFamily]
    job_descriptions: list[JobDescription]
    agreed: list[AgreedJD]  # the current library entries, one per JD
    superseded: list[AgreedJD]  # library entries of earlier agreed versions
    multi_version: list[JobDescription]
    drafts: list[JDVersion]
    submitted: list[JDVersion]
    posts_assigned: int
    posts_without_jd: int
    edits: dict[str, list[str]]  # JD reference -> what changed between its versions, in words

    def summary(self) -> str:
        grades = Counter(entry.grade.number for entry in self.agreed)
        by_grade = ", ".join(f"{n}: {grades[n]}" for n in sorted(grades))
        return (
            f"Logged {len(self.agreed)} agreed job descriptions in {len(self.families)} job families "
            f"(by grade: {by_grade}). {len(self.multi_version)} job descriptions have more than one version; "
            f"{len(self.drafts)} drafts and {len(self.submitted)} submitted versions are open. "
            f"{self.posts_assigned} posts now hold a JD version; {self.posts_without_jd} posts have none."
        )


@dataclass(frozen=True)
class LibraryDates:
    """When the demo library was built up (gradepath.demo.clock): agreed JDs logged one after another
    between ``first`` and ``last``, earlier versions of a JD some weeks before its current one, and the
    drafts in progress between ``drafts_from`` and ``drafts_to``. ``set_clock`` sets the clock every
    service reads."""

    first: dt.datetime
    last: dt.datetime
    drafts_from: dt.datetime
    drafts_to: dt.datetime
    set_clock: Callable[[dt.datetime], Any]

    VERSION_GAP = dt.timedelta(days=63)  # between two versions of one JD

    def logged(self, index: int, count: int) -> dt.datetime:
        """When the ``index``-th of ``count`` JDs had its current version logged."""
        return _weekday(self.first + (self.last - self.first) * (index + 1) / (count + 1))

    def version(self, logged: dt.datetime, number: int, versions: int) -> dt.datetime:
        """When version ``number`` (from 1) of a JD whose last of ``versions`` was logged at ``logged`` was."""
        return _weekday(max(self.first, logged - self.VERSION_GAP * (versions - number)))

    def draft(self, index: int, count: int) -> dt.datetime:
        """When the ``index``-th of ``count`` drafts in progress was started."""
        return _weekday(self.drafts_from + (self.drafts_to - self.drafts_from) * (index + 1) / (count + 1))


def _weekday(when: dt.datetime) -> dt.datetime:
    """``when``, or the same time on the Friday before when it falls at a weekend."""
    while when.weekday() >= 5:
        when -= dt.timedelta(days=1)
    return when


def ensure_families() -> dict[str, JobFamily]:
    """The demo job families, reusing any that already exist by code or by name."""
    families: dict[str, JobFamily] = {}
    for code, name in FAMILIES:
        family = JobFamily.objects.filter(code=code).first() or JobFamily.objects.filter(name=name).first()
        if family is None:
            family = JobFamily.objects.create(code=code, name=name)
        families[code] = family
    return families


def grades_in_force() -> dict[int, Grade]:
    """The grades 1–10 of the structure in force, by number (a clear message if there is none)."""
    structure = GradeStructure.objects.in_force()
    if structure is None:
        raise ServiceError("There is no grade structure in force. Load the grade structure first.")
    grades = {g.number: g for g in structure.grades.all()}
    missing = [n for n in range(1, 11) if n not in grades]
    if missing:
        raise ServiceError(f"The grade structure in force has no grade {missing[0]}; the demo needs grades 1 to 10.")
    return grades


def _units_for(area: Area, units: Sequence[OrgUnit]) -> list[OrgUnit]:
    def matches(unit: OrgUnit) -> bool:
        name = f" {unit.name.lower()} {unit.code.lower()}"
        return any(word in name for word in area.unit_words)

    fitting = [u for u in units if matches(u)]
    if area.category == TECHNICAL:
        deeper = [u for u in fitting if u.kind not in (OrgUnit.Kind.FACULTY, OrgUnit.Kind.PS_DIVISION)]
        fitting = deeper or fitting
    if fitting:
        return fitting
    if area.category == TECHNICAL:
        deeper = [u for u in units if u.kind not in (OrgUnit.Kind.PS_DIVISION,)]
        return deeper or list(units)
    return list(units)


def _department_of(unit: OrgUnit) -> int:
    """The id of the faculty-level department (or the top unit) a unit sits in."""
    ids = unit.ancestor_ids or [unit.pk]
    return ids[1] if len(ids) > 1 else ids[0]


def _plan(rng: random.Random, units: list[OrgUnit], posts: list[Post], count: int) -> list[PlannedJD]:
    """Which JDs to write.

    1. One JD per job the posts hold (a title at a grade), owned by the unit with most holders:
       every post can then hold a JD version, and holders of one job share it.
    2. Where several holders of a big job sit in another department, that department gets its
       own JD for them (largest groups first), while the count allows.
    3. About one JD in seven is for a job the posts do not cover, so the library reaches every
       grade 1–10 and the job families a whole university has.
    """
    jobs: dict[tuple[str, int], list[Post]] = defaultdict(list)
    for post in posts:
        area = area_for_title(post.title, post.org_unit)
        grade = post.grade.number if post.grade_id else _default_grade(area, post.title)
        jobs[(post.title, grade)].append(post)
    ordered = sorted(jobs.items(), key=lambda item: (-len(item[1]), item[0]))

    plan: list[PlannedJD] = []
    for (title, grade), members in ordered:
        unit = _busiest_unit(members)
        plan.append(PlannedJD(area=area_for_title(title, unit), title=title, grade=grade, unit=unit,
                              posts=sorted(members, key=lambda p: p.post_number)))
    missing = [g for g in range(1, 11) if g not in {p.grade for p in plan}]
    reserve = max(len(missing), round(count * 0.15)) if count >= 10 else len(missing)
    budget = max(0, count - reserve)
    if len(plan) > budget:
        plan = _trim(plan, budget)

    # Department-level JDs for groups of three or more holders outside the owning department.
    splits = []
    for item in plan:
        by_department: dict[int, list[Post]] = defaultdict(list)
        for post in item.posts:
            by_department[_department_of(post.org_unit)].append(post)
        owner = _department_of(item.unit)
        for department, members in by_department.items():
            if department != owner and len(members) >= 3:
                splits.append((len(members), item, department, members))
    splits.sort(key=lambda s: (-s[0], s[1].title, s[1].grade, s[2]))
    for _size, item, _department, members in splits[: max(0, budget - len(plan))]:
        taken = {p.pk for p in members}
        item.posts = [p for p in item.posts if p.pk not in taken]
        plan.append(PlannedJD(area=item.area, title=item.title, grade=item.grade, unit=_busiest_unit(members),
                              posts=members))

    missing = [g for g in range(1, 11) if g not in {p.grade for p in plan}]
    used = {(p.title, p.grade) for p in plan}
    for grade in missing:
        plan.append(_library_only(rng, units, grade, used))
    weights = list(GRADE_WEIGHTS.values())
    while len(plan) < count:
        grade = rng.choices(list(GRADE_WEIGHTS), weights=weights)[0]
        plan.append(_library_only(rng, units, grade, used))
    return plan


def _busiest_unit(posts: list[Post]) -> OrgUnit:
    counts = Counter(p.org_unit for p in posts)
    return sorted(counts, key=lambda u: (-counts[u], u.code))[0]


def _trim(plan: list[PlannedJD], keep: int) -> list[PlannedJD]:
    """Keep the largest groups, but at least one JD per grade the posts cover."""
    kept: list[PlannedJD] = []
    seen_grades: set[int] = set()
    for item in plan:
        if item.grade not in seen_grades:
            kept.append(item)
            seen_grades.add(item.grade)
    for item in plan:
        if len(kept) >= keep:
            break
        if item not in kept:
            kept.append(item)
    return kept[:keep] if len(kept) > keep else kept


def _default_grade(area: Area, title: str) -> int:
    for grade, titles in sorted(area.titles.items()):
        if title in titles:
            return grade
    return 5


def _library_only(rng: random.Random, units: list[OrgUnit], grade: int,
                  used: set[tuple[str, int]] | None = None) -> PlannedJD:
    """A JD for a job of this grade somewhere in the university, preferring jobs not yet planned."""
    used = set() if used is None else used
    jobs = [(a, t) for a in AREAS for t in a.titles.get(grade, ())]
    fresh = [(a, t) for a, t in jobs if (t, grade) not in used]
    area, title = rng.choice(fresh or jobs)
    used.add((title, grade))
    unit = rng.choice(_units_for(area, units))
    return PlannedJD(area=area, title=title, grade=grade, unit=unit)


def _choose_histories(rng: random.Random, plan: list[PlannedJD], count: int) -> None:
    """Several JDs get two to four versions (posts-holding JDs first); a few have an open draft."""
    n_multi = max(2, round(count * 0.12))
    with_posts = [p for p in plan if p.posts]
    others = [p for p in plan if not p.posts]
    pool = with_posts[: n_multi * 2]
    rng.shuffle(pool)
    chosen = pool[:n_multi]
    if len(chosen) < n_multi:
        chosen += rng.sample(others, min(len(others), n_multi - len(chosen)))
    for item in chosen:
        item.versions = rng.choices((2, 3, 4), weights=(5, 3, 2))[0]
        item.regraded = item.grade > 1 and rng.random() < 0.35
    rest = [p for p in plan if p.versions == 1]
    for item in rng.sample(rest, min(len(rest), max(1, count // 50))):
        item.open_draft = True


def _create_chain(*, actor, item: PlannedJD, texts: list[dict[str, Any]], family: JobFamily,
                  grades: dict[int, Grade], moments: list[dt.datetime] | None = None,
                  set_clock: Callable[[dt.datetime], Any] | None = None,
                  ) -> tuple[JobDescription, list[AgreedJD], JDVersion]:
    """Create the JD with each text as a version in turn, each submitted and agreed (earlier
    ones become superseded as the next is logged). Returns the JD, its library entries and the
    version in force. With ``moments`` (one per text), each version is drafted three days before
    its moment, submitted the day before and logged at it."""
    entries: list[AgreedJD] = []
    version = None
    for n, text in enumerate(texts):
        grade = grades[text["grade"]]
        sections = sections_of(text)
        when = moments[n] if moments and set_clock else None
        if when is not None:
            set_clock(_weekday(when - dt.timedelta(days=3)))
        if version is None:
            version = services.create_job_description(
                actor=actor, org_unit=item.unit, job_family=family, staff_category=item.area.category,
                area=item.area.label, grade=grade, **sections,
            )
        else:
            version = services.start_new_draft(actor=actor, version=version)
            version = services.save_draft(actor=actor, version=version, base_revision=version.revision,
                                          changes={**sections, "grade": grade})
        if when is not None:
            set_clock(_weekday(when - dt.timedelta(days=1)))
        version = services.submit_version(actor=actor, version=version)
        if when is not None:
            set_clock(when)
        entries.append(services.log_agreed_jd(actor=actor, version=version, grade=grade))
    assert version is not None
    return version.jd, entries, version


def _open_draft_on(*, actor, version: JDVersion, area: Area, rng: random.Random, spare: list[str]) -> JDVersion:
    """A proposal in progress on an agreed JD: a new draft with two saves (duties taken on)."""
    draft = services.start_new_draft(actor=actor, version=version)
    duties = list(draft.duties)
    if spare:
        duties.insert(max(0, len(duties) - 1), spare[0])
    draft = services.save_draft(actor=actor, version=draft, base_revision=draft.revision,
                                changes={"duties": duties})
    closer = rng.choice(PURPOSE_CLOSERS[band_of(version.grade.number if version.grade else 5)])
    if closer not in draft.purpose:
        draft = services.save_draft(actor=actor, version=draft, base_revision=draft.revision,
                                    changes={"purpose": f"{draft.purpose} {closer}"})
    return draft


def _assign_posts(*, actor, version: JDVersion, posts: Iterable[Post]) -> int:
    # people.services.update_post allows "jd_version" (POST_FIELDS), so each assignment is a
    # recorded change of the post, as it would be in the admin.
    from gradepath.people.services import update_post

    done = 0
    for post in posts:
        if post.jd_version_id is None:
            update_post(actor=actor, post=post, changes={"jd_version": version})
            done += 1
    return done


ACADEMIC_TITLE = re.compile(r"\b(professor|dean|lecturer|reader|academic)\b", re.IGNORECASE)


def _professional_and_technical(posts: list[Post]) -> list[Post]:
    """Leave out academic posts (their jobs are not graded through these job descriptions)."""
    academic = set(
        Appointment.objects.filter(post__in=posts, person__staff_category=Person.StaffCategory.ACADEMIC)
        .values_list("post_id", flat=True)
    ) if posts else set()
    return [p for p in posts if p.pk not in academic and not ACADEMIC_TITLE.search(p.title)]


def build_demo_jds(*, rng: random.Random, org_units: Iterable[OrgUnit], posts_by_title: dict[str, list[Post]] | None = None,
                   actor=None, count: int = 150, dates: LibraryDates | None = None) -> DemoJDResult:
    """Write the demo agreed JD library through the job description services.

    ``count`` agreed JDs (each grade 1–10 at least once, more at 3–7) across the job families,
    owned by ``org_units``. Posts (``posts_by_title``, or every active post in those units) hold
    the version in force of the JD for their job (title and grade): one JD per job, plus
    department-level JDs where three or more holders of a big job sit in another department, so
    several holders share each version. Academic posts are left out, and posts that already hold
    a JD version keep it. About one JD in eight has two to four versions with realistic edits
    (some were regrades); a few agreed JDs have a draft in progress, and a few new jobs are being
    drafted (one submitted). ``actor`` is ``None`` (the system) or an administrator (posts change
    through ``people.services.update_post``). With ``dates`` (the demo university), everything is
    dated on the library's own timeline instead of now. Returns what was made; raises ServiceError,
    changing nothing, when there are no org units or no grade structure in force.
    """
    if count < 1:
        raise ServiceError("Ask for at least one agreed job description.")
    units = sorted({u.pk: u for u in org_units}.values(), key=lambda u: u.code)
    if not units:
        raise ServiceError("There are no org units to own the job descriptions. Create the organisation structure first.")
    grades = grades_in_force()
    if posts_by_title is None:
        posts = list(Post.objects.filter(org_unit__in=units, is_active=True, jd_version__isnull=True)
                     .select_related("org_unit", "grade").order_by("post_number"))
    else:
        posts = sorted({p.pk: p for group in posts_by_title.values() for p in group}.values(),
                       key=lambda p: p.post_number)
    posts = _professional_and_technical(posts)
    _ROOTS.clear()

    with transaction.atomic():
        families = ensure_families()
        plan = _plan(rng, units, posts, count)
        _choose_histories(rng, plan, count)
        jds: list[JobDescription] = []
        agreed: list[AgreedJD] = []
        superseded: list[AgreedJD] = []
        multi: list[JobDescription] = []
        drafts: list[JDVersion] = []
        submitted: list[JDVersion] = []
        edits: dict[str, list[str]] = {}
        current_by_title: dict[tuple[str, int], list[tuple[int, JDVersion]]] = defaultdict(list)
        assigned = 0
        set_clock = dates.set_clock if dates is not None else None
        in_progress = sum(1 for item in plan if item.open_draft) + max(2, count // 40)  # drafts and new jobs
        for index, item in enumerate(plan):
            final = compose_jd(rng, item.area, item.title, item.grade, scope=scope_of(item.unit))
            final["grade"] = item.grade
            texts = [final]
            chain_edits: list[str] = []
            for step in range(item.versions - 1):
                regraded = item.regraded and step == 0  # the latest change was a regrade
                later = texts[0]
                earlier, step_edits = earlier_version(later, item.area, later["grade"], rng, regraded=regraded)
                earlier["grade"] = later["grade"] - 1 if regraded else later["grade"]
                texts.insert(0, earlier)
                later_number = item.versions - step
                chain_edits = [f"v{later_number - 1}→v{later_number}: {e}" for e in step_edits] + chain_edits
            moments = None
            if dates is not None:
                logged = dates.logged(index, len(plan))
                moments = [dates.version(logged, n, len(texts)) for n in range(1, len(texts) + 1)]
            jd, entries, current = _create_chain(actor=actor, item=item, texts=texts,
                                                 family=families[item.area.family], grades=grades,
                                                 moments=moments, set_clock=set_clock)
            current = JDVersion.objects.select_related("jd").get(pk=current.pk)  # its str() names the JD
            jds.append(jd)
            agreed.append(entries[-1])
            superseded.extend(entries[:-1])
            if item.versions > 1:
                multi.append(jd)
                edits[jd.reference] = chain_edits
            if dates is not None and moments:
                dates.set_clock(moments[-1] + dt.timedelta(hours=1))  # the posts take the JD once it is agreed
            assigned += _assign_posts(actor=actor, version=current, posts=item.posts)
            if item.open_draft:
                if dates is not None:
                    dates.set_clock(dates.draft(len(drafts), in_progress))
                drafts.append(_open_draft_on(actor=actor, version=current, area=item.area, rng=rng,
                                             spare=final["spare_duties"]))
            current_by_title[(item.title, item.grade)].append((_root(item.unit).pk, current))

        # Posts whose group did not get its own JD share the version of the same job elsewhere.
        if dates is not None:
            dates.set_clock(dates.last + dt.timedelta(days=1))
        planned = {p.pk for item in plan for p in item.posts}
        leftover = [p for p in posts if p.pk not in planned]
        unassigned = 0
        for post in leftover:
            grade = post.grade.number if post.grade_id else _default_grade(area_for_title(post.title), post.title)
            same_job = current_by_title.get((post.title, grade))
            if not same_job:
                unassigned += 1
                continue
            # The JD of the same job in the same faculty or division if there is one, else the largest.
            root = _root(post.org_unit).pk
            version = next((v for r, v in same_job if r == root), same_job[0][1])
            assigned += _assign_posts(actor=actor, version=version, posts=[post])

        # New jobs being drafted: a few drafts and one submitted, not yet in the library.
        for index in range(max(2, count // 40)):
            if dates is not None:
                dates.set_clock(dates.draft(len(drafts) + len(submitted), in_progress))
            grade = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
            item = _library_only(rng, units, grade)
            text = compose_jd(rng, item.area, item.title, grade, scope=scope_of(item.unit))
            sections = sections_of(text)
            draft = services.create_job_description(
                actor=actor, org_unit=item.unit, job_family=families[item.area.family],
                staff_category=item.area.category, area=item.area.label, grade=grades[grade], **sections,
            )
            jds.append(draft.jd)
            if index == 0:
                submitted.append(services.submit_version(actor=actor, version=draft))
            else:
                drafts.append(draft)

    return DemoJDResult(families=families, job_descriptions=jds, agreed=agreed, superseded=superseded,
                        multi_version=multi, drafts=drafts,
                        submitted=submitted, posts_assigned=assigned, posts_without_jd=unassigned, edits=edits)

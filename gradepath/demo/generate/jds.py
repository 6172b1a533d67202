"""Step "jds": job descriptions, their versions, the agreed JD library, and the JD version every
post holds.

Each department writes its own JDs: the posts of one job (title and grade) in one unit share a JD,
and where a unit has many of them they are split between several JDs of about a dozen posts (one per
laboratory or team). Texts come from the demo's phrase banks (:func:`gradepath.demo.jds.compose_jd`),
earlier versions from its believable edits (:func:`gradepath.demo.jds.earlier_version`); a few JDs
carry a draft in progress and a few new jobs are being drafted. The library was built up between
go-live and :data:`LIBRARY_UNTIL_DAYS` ago (before every generated grading case started), each
version drafted, submitted and agreed on its own dates, with the history rows the JD services write
(started, draft started, saved, submitted, logged) and a "post updated" row for each post given its JD.

Rows are what the services leave: agreed versions are logged in the library (``AgreedJD``, one
reference per year in the order logged), earlier agreed versions are superseded and out of the current
library, and a version's text is never written twice (versions are only inserted).

Later steps read ``generation.shared["library"]`` (:class:`Library`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gradepath.demo import catalogue as cat
from gradepath.demo import jds as content
from gradepath.demo.builder import GO_LIVE_DAYS, DemoBuilder, _Post
from gradepath.demo.generate.base import Generation, Step
from gradepath.demo.generate.writer import HistoryRow
from gradepath.jobs.models import SECTION_LABELS, AgreedJD, JDVersion, JobDescription
from gradepath.people.models import Post

NAME = "jds"
LIBRARY_UNTIL_DAYS = 400  # the library was built up until this long ago: every generated case is younger
TEAM = (8, 20)  # posts of one job in one unit share a JD in groups of about this many
VERSIONS = {1: 25, 2: 22, 3: 18, 4: 13, 5: 9, 6: 6, 7: 4, 8: 3}  # how many versions a JD has had (weights)
OPEN_DRAFTS = 0.02  # share of agreed JDs with a draft in progress
NEW_JOBS = 0.025  # new jobs being drafted, per agreed JD
DRAFTS_DAYS = (45, 3)  # drafts in progress were started between these many days ago
JD_TYPE = JobDescription._meta.label_lower
POST_TYPE = Post._meta.label_lower
TEXT_FIELDS = ("job_title", "purpose", "duties", "line_management", "working_relationships", "person_spec",
               "additional_information")


@dataclass(eq=False)
class Entry:
    """A version's entry in the agreed JD library."""

    pk: int
    reference: str
    grade: int
    logged_at: dt.datetime
    is_current: bool = True


@dataclass(eq=False)
class Version:
    pk: int
    number: int
    status: str
    grade: int | None
    text: dict[str, Any]  # the sections (TEXT_FIELDS)
    created_at: dt.datetime
    updated_at: dt.datetime
    revision: int = 1
    based_on: Version | None = None
    submitted_at: dt.datetime | None = None
    agreed_at: dt.datetime | None = None
    entry: Entry | None = None
    created_by: int | None = None


@dataclass(eq=False)
class JD:
    """One job description: its unit, area of work, family, versions and the posts holding its current
    version."""

    pk: int
    reference: str
    node: Any  # the builder's unit (gradepath.demo.builder._Unit)
    area: content.Area
    family: int  # job family id
    category: str
    created_at: dt.datetime
    versions: list[Version] = field(default_factory=list)
    posts: list[_Post] = field(default_factory=list)
    spare_duties: list[str] = field(default_factory=list)
    for_post: int | None = None
    created_by: int | None = None

    @property
    def current(self) -> Version | None:
        """The version in force (agreed), if any."""
        return next((v for v in reversed(self.versions) if v.status == JDVersion.Status.AGREED), None)

    @property
    def draft(self) -> Version | None:
        return next((v for v in self.versions if v.status == JDVersion.Status.DRAFT), None)


@dataclass
class Library:
    """What this step made, for the steps after it."""

    jds: list[JD]
    families: dict[str, int]  # job family code -> id
    by_post: dict[int, JD]  # id() of a builder post -> the JD its version belongs to
    next_number: int  # the next JD-000000 number
    agreed_numbers: dict[int, int]  # year -> the last AJD-year-0000 number given

    def current_entries(self) -> list[tuple[JD, Version]]:
        return [(jd, v) for jd in self.jds if (v := jd.current) is not None and v.entry is not None
                and v.entry.is_current]


def _weekday(when: dt.datetime) -> dt.datetime:
    while when.weekday() >= 5:
        when -= dt.timedelta(days=1)
    return when


def sections_text(text: dict[str, Any]) -> dict[str, Any]:
    return {key: text[key] for key in TEXT_FIELDS}


def jd_label(jd: JD, version: Version) -> str:
    """``str()`` of the JD when ``version`` is its latest (JobDescription.__str__)."""
    return f"{jd.reference} {version.text['job_title']}"


def version_label(jd: JD, version: Version) -> str:
    """``str()`` of a version (JDVersion.__str__)."""
    return f"{jd.reference} v{version.number}: {version.text['job_title']}"


def changed_labels(before: dict[str, Any], after: dict[str, Any], grade_changed: bool = False) -> str:
    """The section labels a draft save lists (jobs.services.save_draft)."""
    keys = [k for k in TEXT_FIELDS if before.get(k) != after.get(k)] + (["grade"] if grade_changed else [])
    return ", ".join(SECTION_LABELS.get(k, k.replace("_", " ")) for k in keys)


class _Builder:
    def __init__(self, generation: Generation):
        self.gen = generation
        self.u: DemoBuilder = generation.shared["university"]
        self.rng = generation.rng(3)
        self.w = generation.writer
        self.families = {code: pk for code, pk in
                         ((code, family.pk) for code, family in content.ensure_families().items())}
        self.jds: list[JD] = []
        self.agreed_numbers: dict[int, int] = defaultdict(int)
        self._areas: dict[tuple[str, str], content.Area] = {}

    def area(self, title: str, node: Any) -> content.Area:
        top = node.top.spec.code
        key = (title, top)
        if key not in self._areas:
            self._areas[key] = content.area_for_title(title, node.unit)
        return self._areas[key]

    @staticmethod
    def scope(node: Any) -> str:
        return "the division" if node.top.spec.kind == "ps_division" else "the faculty"

    def plan(self) -> list[tuple[Any, str, int, list[_Post]]]:
        """(unit, title, grade, posts) of each JD to write: the jobs the posts hold, unit by unit."""
        academic_posts = {id(p.post) for p in self.u.people if p.category == cat.ACADEMIC}
        jobs: dict[tuple[int, str, int], list[_Post]] = defaultdict(list)
        for post in self.u.posts:
            if id(post) in academic_posts or content.ACADEMIC_TITLE.search(post.title):
                continue
            jobs[(post.node.unit.pk, post.title, post.grade)].append(post)
        plan = []
        for (_, title, grade), posts in sorted(jobs.items(), key=lambda item: item[0]):
            posts.sort(key=lambda p: self.u.post_numbers[id(p)])
            while posts:
                size = self.rng.randint(*TEAM)
                if len(posts) - size < TEAM[0]:
                    size = len(posts)
                plan.append((posts[0].node, title, grade, posts[:size]))
                posts = posts[size:]
        covered = {grade for _, _, grade, _ in plan}
        nodes = [n for n in self.u.nodes if n.spec.kind != "faculty"] or self.u.nodes
        for grade in range(1, 11):  # the library covers every grade, as a whole university's would
            if grade not in covered:
                area, title = next((a, a.titles[grade][0]) for a in content.AREAS if grade in a.titles)
                plan.append((self.rng.choice(nodes), title, grade, []))
        return plan

    def build(self) -> None:
        u, rng = self.u, self.rng
        plan = self.plan()
        rng.shuffle(plan)
        go_live = u._moment(u.today - dt.timedelta(days=GO_LIVE_DAYS), dt.time(10, 0))
        first = go_live + dt.timedelta(days=30)
        last = u._moment(u.today - dt.timedelta(days=LIBRARY_UNTIL_DAYS), dt.time(11, 0))
        dates = content.LibraryDates(first=first, last=last, drafts_from=first, drafts_to=last, set_clock=lambda _: None)
        versions = list(VERSIONS)
        weights = list(VERSIONS.values())
        for index, (node, title, grade, posts) in enumerate(plan):
            area = self.area(title, node)
            logged = dates.logged(index, len(plan))
            # A JD agreed soon after go-live has had time for few versions (one a week at most).
            count = min(rng.choices(versions, weights)[0], 1 + max(0, (logged - first).days) // 7)
            regraded = count > 1 and grade > 1 and rng.random() < 0.3
            final = content.compose_jd(rng, area, title, grade, scope=self.scope(node))
            final["grade"] = grade
            texts = [final]
            for step in range(count - 1):
                earlier, _ = content.earlier_version(texts[0], area, texts[0]["grade"], rng,
                                                     regraded=regraded and step == 0)
                earlier["grade"] = texts[0]["grade"] - 1 if regraded and step == 0 else texts[0]["grade"]
                texts.insert(0, earlier)
            since = max(first, logged - dates.VERSION_GAP * (count - 1))
            moments = [_weekday(since + (logged - since) * n / (count - 1)) if count > 1 else logged
                       for n in range(count)]
            jd = JD(pk=0, reference="", node=node, area=area, family=self.families[area.family],
                    category=area.category, created_at=_weekday(moments[0] - dt.timedelta(days=3)),
                    posts=posts, spare_duties=list(final["spare_duties"]))
            previous: Version | None = None
            for number, (text, when) in enumerate(zip(texts, moments, strict=True), start=1):
                drafted = _weekday(when - dt.timedelta(days=3))
                version = Version(pk=0, number=number, status=JDVersion.Status.AGREED, grade=text["grade"],
                                  text=sections_text(text), created_at=drafted, updated_at=drafted,
                                  revision=1 if previous is None else 2, based_on=previous,
                                  submitted_at=_weekday(when - dt.timedelta(days=1)), agreed_at=when)
                version.entry = Entry(pk=0, reference="", grade=text["grade"], logged_at=when)
                if previous is not None:
                    previous.status = JDVersion.Status.SUPERSEDED
                    assert previous.entry is not None
                    previous.entry.is_current = False
                jd.versions.append(version)
                previous = version
            self.jds.append(jd)
        self._drafts_in_progress(go_live)

    def _drafts_in_progress(self, go_live: dt.datetime) -> None:
        u, rng = self.u, self.rng
        today = u.today
        start = u._moment(today - dt.timedelta(days=DRAFTS_DAYS[0]), dt.time(10, 30))
        end = u._moment(today - dt.timedelta(days=DRAFTS_DAYS[1]), dt.time(14, 30))
        agreed = list(self.jds)
        with_draft = rng.sample(agreed, min(len(agreed), max(1, round(len(agreed) * OPEN_DRAFTS))))
        new_jobs = max(2, round(len(agreed) * NEW_JOBS))
        total = len(with_draft) + new_jobs
        moments = [_weekday(start + (end - start) * (i + 1) / (total + 1)) for i in range(total)]
        rng.shuffle(moments)
        for jd, when in zip(with_draft, moments, strict=False):
            current = jd.current
            assert current is not None
            text = dict(current.text)
            duties = list(text["duties"])
            if jd.spare_duties:
                duties.insert(max(0, len(duties) - 1), jd.spare_duties[0])
            text["duties"] = duties
            closer = rng.choice(content.PURPOSE_CLOSERS[content.band_of(current.grade or 5)])
            revision = 2
            if closer not in text["purpose"]:
                text["purpose"] = f"{text['purpose']} {closer}"
                revision = 3
            jd.versions.append(Version(pk=0, number=current.number + 1, status=JDVersion.Status.DRAFT,
                                       grade=current.grade, text=text, created_at=when,
                                       updated_at=when + dt.timedelta(minutes=40), revision=revision,
                                       based_on=current))
        nodes = [n for n in u.nodes if n.spec.kind != "faculty"] or u.nodes
        for i, when in enumerate(moments[len(with_draft):]):
            grade = rng.choices(list(content.GRADE_WEIGHTS), weights=list(content.GRADE_WEIGHTS.values()))[0]
            area = rng.choice([a for a in content.AREAS if grade in a.titles] or list(content.AREAS))
            title = rng.choice(area.titles.get(grade) or next(iter(area.titles.values())))
            node = rng.choice(nodes)
            text = content.compose_jd(rng, area, title, grade, scope=self.scope(node))
            submitted = i == 0
            self.jds.append(JD(pk=0, reference="", node=node, area=area, family=self.families[area.family],
                               category=area.category, created_at=when, versions=[Version(
                                   pk=0, number=1, status=JDVersion.Status.SUBMITTED if submitted else
                                   JDVersion.Status.DRAFT, grade=grade, text=sections_text(text), created_at=when,
                                   updated_at=when, submitted_at=when + dt.timedelta(hours=2) if submitted else None)]))

    def number(self) -> None:
        """References and ids, in the order the JDs were started and the versions logged."""
        self.jds.sort(key=lambda jd: (jd.created_at, jd.versions[0].text["job_title"]))
        for n, (jd, pk) in enumerate(zip(self.jds, self.w.ids(JobDescription, len(self.jds)), strict=True), start=1):
            jd.pk, jd.reference = pk, f"JD-{n:06d}"
        versions = [v for jd in self.jds for v in jd.versions]
        for version, pk in zip(versions, self.w.ids(JDVersion, len(versions)), strict=True):
            version.pk = pk
        entries = sorted((v for v in versions if v.entry is not None), key=lambda v: (v.agreed_at, v.pk))
        for version, pk in zip(entries, self.w.ids(AgreedJD, len(entries)), strict=True):
            assert version.entry is not None and version.agreed_at is not None
            year = timezone.localtime(version.agreed_at).year
            self.agreed_numbers[year] += 1
            version.entry.pk = pk
            version.entry.reference = f"AJD-{year}-{self.agreed_numbers[year]:04d}"

    def write(self) -> dict[str, int]:
        u, w = self.u, self.w
        grades = {n: g.pk for n, g in u.grades.items()}
        w.insert(JobDescription, ("id", "reference", "org_unit_id", "job_family_id", "area", "staff_category",
                                  "created_at", "created_by_id", "for_post_id"), (
            (jd.pk, jd.reference, jd.node.unit.pk, jd.family, jd.area.label, jd.category, jd.created_at, None, None)
            for jd in self.jds))
        write_versions(w, self.jds, grades)
        entries = [(jd, v) for jd in self.jds for v in jd.versions if v.entry is not None]
        write_entries(w, entries, grades)
        # The posts take their JD's version in force once it is agreed.
        pairs = []
        history = self.gen.history
        for jd in self.jds:
            current = jd.current
            if current is None:
                continue
            assert current.agreed_at is not None
            when = current.agreed_at + dt.timedelta(hours=1)
            for post in jd.posts:
                pairs.append((post.pk, current.pk))
                number = u.post_numbers[id(post)]
                history.append(HistoryRow(
                    created_at=when, action="post.updated", object_type=POST_TYPE, object_id=post.pk,
                    object_repr=f"{post.title} ({number})", summary=f"Changed JD version of post {number}.",
                    before={"jd_version": None}, after={"jd_version": version_label(jd, current)}))
        w.update(Post, "jd_version_id", pairs)
        for jd in self.jds:
            history.extend(jd_history(jd))
        return {"job descriptions": len(self.jds), "JD versions": sum(len(jd.versions) for jd in self.jds),
                "agreed JDs in the library": sum(1 for jd in self.jds if jd.current is not None),
                "superseded library entries": len(entries) - sum(1 for jd in self.jds if jd.current is not None),
                "drafts in progress": sum(1 for jd in self.jds if jd.draft is not None),
                "posts given a JD": len(pairs)}


def write_versions(w, jds: list[JD], grades: dict[int, int], versions: list[tuple[JD, Version]] | None = None) -> None:
    rows = versions if versions is not None else [(jd, v) for jd in jds for v in jd.versions]
    w.insert(JDVersion, ("id", "jd_id", "number", "status", "based_on_id", "job_title", "job_family_id", "purpose",
                         "duties", "line_management", "working_relationships", "person_spec",
                         "additional_information", "grade_id", "revision", "created_at", "created_by_id",
                         "updated_at", "submitted_at", "agreed_at"), (
        (v.pk, jd.pk, v.number, v.status, v.based_on.pk if v.based_on else None, v.text["job_title"], jd.family,
         v.text["purpose"], v.text["duties"], v.text["line_management"], v.text["working_relationships"],
         v.text["person_spec"], v.text["additional_information"], grades[v.grade] if v.grade else None, v.revision,
         v.created_at, v.created_by, v.updated_at, v.submitted_at, v.agreed_at)
        for jd, v in rows))


def write_entries(w, entries: list[tuple[JD, Version]], grades: dict[int, int]) -> None:
    w.insert(AgreedJD, ("id", "version_id", "reference", "grade_id", "job_family_id", "area", "staff_category",
                        "logged_at", "logged_by_id", "is_current"), (
        (v.entry.pk, v.pk, v.entry.reference, grades[v.entry.grade], jd.family, jd.area.label, jd.category,
         v.entry.logged_at, None, v.entry.is_current)
        for jd, v in entries if v.entry is not None))


def jd_history(jd: JD, *, actor: tuple[int | None, str] = (None, "System")) -> list[HistoryRow]:
    """The history rows the JD services write for a library JD's versions (created, draft started and
    saved, submitted, logged)."""
    rows = []
    actor_id, label = actor
    previous: Version | None = None
    for version in jd.versions:
        title = version.text["job_title"]
        here = jd_label(jd, version)

        def row(when: dt.datetime, action: str, summary: str, here: str = here) -> HistoryRow:
            return HistoryRow(created_at=when, action=action, object_type=JD_TYPE, object_id=jd.pk, object_repr=here,
                              summary=summary, actor_id=actor_id, actor_label=label)
        if previous is None:
            rows.append(row(version.created_at, "jd.created", f"Started job description {jd.reference} “{title}”."))
        else:
            rows.append(row(version.created_at, "jd.draft_started",
                            f"Started draft v{version.number} from v{previous.number}."))
            labels = changed_labels(previous.text, version.text, version.grade != previous.grade)
            if labels:
                rows.append(row(version.updated_at if version.updated_at > version.created_at else
                                version.created_at + dt.timedelta(minutes=25),
                                "jd.draft_saved", f"Saved draft v{version.number}: {labels}."))
        if version.submitted_at is not None:
            rows.append(row(version.submitted_at, "jd.submitted", f"Submitted v{version.number} “{title}”."))
        if version.entry is not None:
            assert version.agreed_at is not None
            rows.append(row(version.agreed_at, "jd.agreed_logged",
                            f"Logged v{version.number} in the agreed JD library as {version.entry.reference} "
                            f"at Grade {version.entry.grade}."))
        previous = version
    return rows


def run(generation: Generation) -> dict[str, int]:
    builder = _Builder(generation)
    builder.build()
    builder.number()
    counts = builder.write()
    counts["history entries"] = generation.flush_history()
    generation.shared["library"] = Library(
        jds=builder.jds, families=builder.families,
        by_post={id(post): jd for jd in builder.jds for post in jd.posts},
        next_number=len(builder.jds) + 1, agreed_numbers=dict(builder.agreed_numbers))
    return counts


STEP = Step(NAME, "Job descriptions, their versions and the agreed JD library", run, after=("people",))

__all__ = ["JD", "STEP", "Entry", "Library", "Version", "jd_history", "random"]

"""Tracked changes between two JD versions ("redlines"), section by section.

:func:`compare_versions` takes two :class:`~gradepath.jobs.models.JDVersion` objects (or two
dicts of sections, as in :func:`sections_of`) and returns a :class:`Comparison`:

* text sections (job title, purpose, line management, working relationships, additional
  information) get a word-level list of :class:`Op` (``equal`` / ``insert`` / ``delete``).
  The ops are exact: joining the ``equal`` and ``insert`` texts gives the new text, joining
  the ``equal`` and ``delete`` texts gives the old text, character for character. That is
  what the Word export needs to write real tracked changes.
* duties and person specification criteria are aligned as items: unchanged, modified (with
  a word diff inside), inserted, deleted, and moved (the same or nearly the same item at
  another position: one ``moved`` item at its new place and a ``moved_away`` marker at the
  old place, never a delete plus an insert).
* a :class:`Summary` counts sections changed, duties added/removed/moved/modified and words
  inserted/deleted.

Whitespace: a token is a word (or one punctuation mark or symbol) with the whitespace that
follows it, and tokens are compared without that whitespace. A change of spacing or line
breaks alone is therefore never reported as a word change; it still appears in the ops as a
whitespace-only ``delete``/``insert`` pair (so the texts stay exact), which the HTML
rendering shows as plain text and the counts ignore. Tokens are compared in Unicode NFC, so
"café" typed with a combining accent equals "café" typed with a precomposed one.

Rendering: :func:`render_ops_html`, :func:`render_items_html` and :func:`render_comparison_html`
return escaped HTML with ``<ins>``/``<del>`` and CSS classes only (no inline styles: the
Content-Security-Policy forbids them). :meth:`Comparison.as_dict` gives the same result as
plain data for the API.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz import fuzz

from gradepath.jobs.models import SECTION_LABELS, TEXT_SECTIONS

LIST_SECTIONS = ("duties", "person_spec")
PLAIN_SECTIONS = tuple(key for key, _ in TEXT_SECTIONS if key not in LIST_SECTIONS)
# Two items at least this similar (0–1) are the same item, modified.
SIMILAR_ENOUGH = 0.6
KIND_LABELS = {"essential": "Essential", "desirable": "Desirable"}
ASSESSED_LABELS = {"application": "Application", "interview": "Interview", "both": "Application and interview"}

# Combining marks stay with the letter they decorate; an emoji keeps its modifiers,
# variation selectors and zero-width-joined parts. Whitespace is attached to the token before it.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_EMOJI_TAIL = "\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\u20e3\U000e0020-\U000e007f"
_TOKEN = re.compile(
    rf"\s+"  # only ever matches leading whitespace
    rf"|(?:[\w{_MARKS}]+|[^\w\s{_MARKS}][{_MARKS}{_EMOJI_TAIL}]*(?:\u200d[^\w\s][{_EMOJI_TAIL}]*)*)\s*"
)
_WORDISH = re.compile(rf"[\w{_MARKS}]")


@dataclass
class Op:
    """One piece of a word diff: ``kind`` is ``equal``, ``insert`` or ``delete``."""

    kind: str
    text: str

    @property
    def is_whitespace(self) -> bool:
        return not self.text.strip()


@dataclass
class TextDiff:
    """The word diff of one text section."""

    section: str
    label: str
    old: str
    new: str
    ops: list[Op]
    words_inserted: int
    words_deleted: int

    @property
    def changed(self) -> bool:
        """True when words changed (spacing and line breaks alone do not count)."""
        return bool(self.words_inserted or self.words_deleted) or _has_text_change(self.ops)

    @property
    def whitespace_only(self) -> bool:
        return not self.changed and self.old != self.new


@dataclass
class ItemChange:
    """One duty or criterion in a list comparison.

    ``kind``: ``unchanged``, ``modified``, ``inserted``, ``deleted``, ``moved`` (at its new
    place; ``ops`` show any word changes as well) or ``moved_away`` (the marker left at its
    old place). Positions are 1-based; ``attributes`` lists changed criterion attributes
    (``kind``, ``assessed``) as ``{name: [old, new]}``.
    """

    kind: str
    old_position: int | None
    new_position: int | None
    old: Any
    new: Any
    ops: list[Op] = field(default_factory=list)
    similarity: float | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def text_changed(self) -> bool:
        return _has_text_change(self.ops)

    @property
    def old_text(self) -> str:
        return _item_text(self.old)

    @property
    def new_text(self) -> str:
        return _item_text(self.new)

    @property
    def on_old_side(self) -> bool:
        return self.kind in ("unchanged", "modified", "deleted", "moved_away")

    @property
    def on_new_side(self) -> bool:
        return self.kind in ("unchanged", "modified", "inserted", "moved")


@dataclass
class ListDiff:
    """The item-by-item comparison of duties or person specification criteria.

    ``items`` are in display order: every old item in old order and every new item in new
    order (deleted and moved-away items sit where they were).
    """

    section: str
    label: str
    items: list[ItemChange]

    def count(self, kind: str) -> int:
        return sum(1 for item in self.items if item.kind == kind)

    @property
    def added(self) -> int:
        return self.count("inserted")

    @property
    def removed(self) -> int:
        return self.count("deleted")

    @property
    def moved(self) -> int:
        return self.count("moved")

    @property
    def modified(self) -> int:
        """Items whose text or attributes changed, whether or not they also moved."""
        return sum(1 for item in self.items if item.kind in ("modified", "moved")
                   and (item.text_changed or item.attributes))

    @property
    def words_inserted(self) -> int:
        return sum(_count_words(item.new_text) if item.kind == "inserted" else _words(item.ops, "insert")
                   for item in self.items if item.kind != "moved_away")

    @property
    def words_deleted(self) -> int:
        return sum(_count_words(item.old_text) if item.kind == "deleted" else _words(item.ops, "delete")
                   for item in self.items if item.kind != "moved_away")

    @property
    def changed(self) -> bool:
        return any(item.kind != "unchanged" for item in self.items)


@dataclass
class FieldChange:
    """A change of a non-text detail (job family, recommended grade)."""

    field: str
    label: str
    old: str
    new: str


@dataclass
class Summary:
    """What changed between two versions, in numbers."""

    sections_changed: list[str]
    duties_added: int = 0
    duties_removed: int = 0
    duties_moved: int = 0
    duties_modified: int = 0
    criteria_added: int = 0
    criteria_removed: int = 0
    criteria_moved: int = 0
    criteria_modified: int = 0
    words_inserted: int = 0
    words_deleted: int = 0
    details_changed: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.sections_changed or self.details_changed)

    @property
    def section_labels(self) -> list[str]:
        return [SECTION_LABELS[key] for key in self.sections_changed]

    def as_sentence(self) -> str:
        """One plain sentence for pages, history rows and e-mails."""
        if not self.has_changes:
            return "No changes."
        parts = []
        if self.sections_changed:
            n = len(self.sections_changed)
            parts.append(f"{n} section{'s' if n != 1 else ''} changed ({', '.join(self.section_labels)})")
        duty_bits = [f"{n} {word}" for n, word in ((self.duties_added, "added"), (self.duties_removed, "removed"),
                                                   (self.duties_moved, "moved"), (self.duties_modified, "reworded"))
                     if n]
        if duty_bits:
            parts.append("duties: " + ", ".join(duty_bits))
        crit_bits = [f"{n} {word}" for n, word in ((self.criteria_added, "added"),
                                                   (self.criteria_removed, "removed"),
                                                   (self.criteria_moved, "moved"),
                                                   (self.criteria_modified, "changed")) if n]
        if crit_bits:
            parts.append("criteria: " + ", ".join(crit_bits))
        if self.words_inserted or self.words_deleted:
            parts.append(f"{self.words_inserted} word{'s' if self.words_inserted != 1 else ''} inserted, "
                         f"{self.words_deleted} deleted")
        if self.details_changed:
            parts.append(" and ".join(self.details_changed).capitalize() + " changed")
        sentence = "; ".join(parts)
        return sentence[0].upper() + sentence[1:] + "."


@dataclass
class Comparison:
    """Two versions compared: one diff per section in template order, details and a summary."""

    old_label: str
    new_label: str
    sections: list[TextDiff | ListDiff]
    details: list[FieldChange]
    summary: Summary

    def section(self, key: str) -> TextDiff | ListDiff:
        return next(s for s in self.sections if s.section == key)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, strings, numbers) for the API and JSON."""
        sections = []
        for s in self.sections:
            if isinstance(s, TextDiff):
                sections.append({"section": s.section, "label": s.label, "type": "text", "changed": s.changed,
                                 "whitespace_only": s.whitespace_only,
                                 "ops": [asdict(op) for op in s.ops],
                                 "words_inserted": s.words_inserted, "words_deleted": s.words_deleted})
            else:
                sections.append({"section": s.section, "label": s.label, "type": "list", "changed": s.changed,
                                 "items": [{"kind": i.kind, "old_position": i.old_position,
                                            "new_position": i.new_position, "old": i.old, "new": i.new,
                                            "ops": [asdict(op) for op in i.ops], "similarity": i.similarity,
                                            "attributes": i.attributes} for i in s.items]})
        summary = asdict(self.summary)
        summary["sentence"] = self.summary.as_sentence()
        return {"old": self.old_label, "new": self.new_label, "sections": sections,
                "details": [asdict(d) for d in self.details], "summary": summary}


# --- Tokens and word diffs ---------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Split text into tokens (a word or symbol plus the whitespace after it). ``"".join`` gives it back."""
    return _TOKEN.findall(text)


def _key(token: str) -> str:
    core = token.rstrip()
    return unicodedata.normalize("NFC", core) if not core.isascii() else core


def _count_words(text: str) -> int:
    return sum(1 for token in tokenize(text) if _is_word(token))


def _is_word(token: str) -> bool:
    core = token.strip()
    if not core:
        return False
    if _WORDISH.search(core):
        return True
    # Symbols and emoji count as words; punctuation does not.
    return not unicodedata.category(core[0]).startswith("P")


def _words(ops: Iterable[Op], kind: str) -> int:
    return sum(_count_words(op.text) for op in ops if op.kind == kind)


def _has_text_change(ops: Iterable[Op]) -> bool:
    return any(op.kind != "equal" and not op.is_whitespace for op in ops)


def _append(ops: list[Op], kind: str, text: str) -> None:
    if not text:
        return
    if ops and ops[-1].kind == kind:
        ops[-1].text += text
    else:
        ops.append(Op(kind, text))


def _split_ws(token: str) -> tuple[str, str]:
    core = token.rstrip()
    return core, token[len(core):]


def diff_words(old: str, new: str) -> list[Op]:
    """Word-level ops turning ``old`` into ``new`` (exact on both sides, see the module docstring)."""
    old = old or ""
    new = new or ""
    if old == new:
        return [Op("equal", new)] if new else []
    a, b = tokenize(old), tokenize(new)
    ka, kb = [_key(t) for t in a], [_key(t) for t in b]
    ops: list[Op] = []
    # autojunk off: common words ("the", commas) must still match, or unchanged text shows as changed.
    matcher = SequenceMatcher(None, ka, kb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for ta, tb in zip(a[i1:i2], b[j1:j2], strict=True):
                if ta == tb:
                    _append(ops, "equal", tb)
                    continue
                # Same word, different spacing or Unicode form: keep both sides exact.
                core_a, ws_a = _split_ws(ta)
                core_b, ws_b = _split_ws(tb)
                # Cores differing only in Unicode form (NFC/NFD) count as the same word; the new
                # form is kept, so only in that case the old side is not reproduced byte for byte.
                _append(ops, "equal", core_b)
                # Only the part of the spacing that differs is marked ("\n" → "\n\n": one insertion).
                common = len(os.path.commonprefix([ws_a, ws_b]))
                _append(ops, "equal", ws_b[:common])
                _append(ops, "delete", ws_a[common:])
                _append(ops, "insert", ws_b[common:])
            continue
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        # A replaced run that ends with the same whitespace keeps that whitespace unmarked.
        if tag == "replace":
            _, ws_a = _split_ws(old_part)
            _, ws_b = _split_ws(new_part)
            if ws_a and ws_a == ws_b:
                _append(ops, "delete", old_part[: -len(ws_a)])
                _append(ops, "insert", new_part[: -len(ws_b)])
                _append(ops, "equal", ws_b)
                continue
        _append(ops, "delete", old_part)
        _append(ops, "insert", new_part)
    return ops


def ops_old_text(ops: Iterable[Op]) -> str:
    return "".join(op.text for op in ops if op.kind != "insert")


def ops_new_text(ops: Iterable[Op]) -> str:
    return "".join(op.text for op in ops if op.kind != "delete")


def diff_text_section(section: str, old: str, new: str) -> TextDiff:
    ops = diff_words(old, new)
    return TextDiff(section=section, label=SECTION_LABELS.get(section, section), old=old or "", new=new or "",
                    ops=ops, words_inserted=_words(ops, "insert"), words_deleted=_words(ops, "delete"))


# --- Lists: duties and criteria ------------------------------------------------------------------------


def _item_text(item: Any) -> str:
    if item is None:
        return ""
    if isinstance(item, Mapping):
        return str(item.get("text", ""))
    return str(item)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100.0


def _pair_items(old_keys: list[str], new_keys: list[str]) -> list[tuple[int, int, float]]:
    """Pairs (old index, new index, similarity): identical items first, then the most similar."""
    pairs: list[tuple[int, int, float]] = []
    free_old = set(range(len(old_keys)))
    free_new = set(range(len(new_keys)))
    # Identical text: pair occurrences in order (so duplicates pair with duplicates).
    positions: dict[str, list[int]] = {}
    for j, key in enumerate(new_keys):
        positions.setdefault(key, []).append(j)
    for i, key in enumerate(old_keys):
        if positions.get(key):
            j = positions[key].pop(0)
            pairs.append((i, j, 1.0))
            free_old.discard(i)
            free_new.discard(j)
    # Near-identical: greedily the best scores first, nearer positions breaking ties.
    candidates = []
    for i in free_old:
        for j in free_new:
            score = _similarity(old_keys[i], new_keys[j])
            if score >= SIMILAR_ENOUGH:
                candidates.append((-score, abs(i - j), i, j, score))
    candidates.sort()
    for _, _, i, j, score in candidates:
        if i in free_old and j in free_new:
            pairs.append((i, j, score))
            free_old.discard(i)
            free_new.discard(j)
    return pairs


def _longest_in_order(pairs: list[tuple[int, int, float]]) -> set[tuple[int, int]]:
    """The largest set of pairs whose old and new positions both increase: these stayed in place.

    Among equally long chains, the one with more identical items wins (so a reworded duty is
    more likely to be the one reported as moved than an untouched one)."""
    ordered = sorted(pairs, key=lambda p: p[1])
    n = len(ordered)
    best: list[tuple[int, float]] = [(1, p[2]) for p in ordered]
    prev: list[int] = [-1] * n
    for k in range(n):
        for m in range(k):
            if ordered[m][0] < ordered[k][0]:
                candidate = (best[m][0] + 1, best[m][1] + ordered[k][2])
                if candidate > best[k]:
                    best[k] = candidate
                    prev[k] = m
    if not n:
        return set()
    k = max(range(n), key=lambda x: best[x])
    chain: set[tuple[int, int]] = set()
    while k != -1:
        chain.add((ordered[k][0], ordered[k][1]))
        k = prev[k]
    return chain


def _attribute_changes(old: Any, new: Any) -> dict[str, list[str]]:
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return {}
    return {name: [str(old.get(name, "")), str(new.get(name, ""))]
            for name in ("kind", "assessed") if old.get(name) != new.get(name)}


def diff_items(section: str, old_items: list[Any], new_items: list[Any]) -> ListDiff:
    """Align two ordered lists of duties (strings) or criteria (dicts with ``text``)."""
    old_items, new_items = list(old_items or []), list(new_items or [])
    old_keys = [_norm(_item_text(x)) for x in old_items]
    new_keys = [_norm(_item_text(x)) for x in new_items]
    pairs = _pair_items(old_keys, new_keys)
    in_place = _longest_in_order(pairs)
    by_old = {i: (j, score) for i, j, score in pairs}
    by_new = {j: (i, score) for i, j, score in pairs}

    def change_for_pair(i: int, j: int, score: float, moved: bool) -> ItemChange:
        old, new = old_items[i], new_items[j]
        ops = diff_words(_item_text(old), _item_text(new))
        attributes = _attribute_changes(old, new)
        if moved:
            kind = "moved"
        elif _has_text_change(ops) or attributes:
            kind = "modified"
        else:
            kind = "unchanged"
        return ItemChange(kind=kind, old_position=i + 1, new_position=j + 1, old=old, new=new, ops=ops,
                          similarity=round(score, 3), attributes=attributes)

    items: list[ItemChange] = []
    anchors = sorted(in_place)
    i0 = j0 = 0
    for ai, aj in [*anchors, (len(old_items), len(new_items))]:
        # Between two items that stayed in place: the old side's leftovers, then the new side's.
        for i in range(i0, ai):
            if i in by_old:
                j, _ = by_old[i]
                items.append(ItemChange(kind="moved_away", old_position=i + 1, new_position=j + 1,
                                        old=old_items[i], new=new_items[j]))
            else:
                items.append(ItemChange(kind="deleted", old_position=i + 1, new_position=None,
                                        old=old_items[i], new=None,
                                        ops=[Op("delete", _item_text(old_items[i]))]))
        for j in range(j0, aj):
            if j in by_new:
                i, score = by_new[j]
                items.append(change_for_pair(i, j, score, moved=True))
            else:
                items.append(ItemChange(kind="inserted", old_position=None, new_position=j + 1,
                                        old=None, new=new_items[j],
                                        ops=[Op("insert", _item_text(new_items[j]))]))
        if ai < len(old_items):
            items.append(change_for_pair(ai, aj, by_old[ai][1], moved=False))
        i0, j0 = ai + 1, aj + 1
    return ListDiff(section=section, label=SECTION_LABELS.get(section, section), items=items)


# --- Whole versions ------------------------------------------------------------------------------------


def sections_of(version: Any) -> dict[str, Any]:
    """The comparable sections of a version (or a dict already in that shape)."""
    if isinstance(version, Mapping):
        data = dict(version)
    else:
        data = {key: getattr(version, key) for key, _ in TEXT_SECTIONS}
        data["job_family"] = str(version.job_family) if version.job_family_id else ""
        data["grade"] = str(version.grade) if version.grade_id else ""
    for key in PLAIN_SECTIONS:
        data[key] = data.get(key) or ""
    for key in LIST_SECTIONS:
        data[key] = list(data.get(key) or [])
    return data


def version_label(version: Any) -> str:
    if isinstance(version, Mapping):
        return str(version.get("label", ""))
    return f"Version {version.number} ({version.get_status_display().lower()})"


def compare_versions(old: Any, new: Any) -> Comparison:
    """Compare two versions (JDVersion objects or dicts of sections) section by section."""
    a, b = sections_of(old), sections_of(new)
    sections: list[TextDiff | ListDiff] = []
    summary = Summary(sections_changed=[])
    for key, _ in TEXT_SECTIONS:
        if key in LIST_SECTIONS:
            diff: TextDiff | ListDiff = diff_items(key, a[key], b[key])
            prefix = "duties" if key == "duties" else "criteria"
            for name in ("added", "removed", "moved", "modified"):
                setattr(summary, f"{prefix}_{name}", getattr(summary, f"{prefix}_{name}") + getattr(diff, name))
        else:
            diff = diff_text_section(key, a[key], b[key])
        sections.append(diff)
        summary.words_inserted += diff.words_inserted
        summary.words_deleted += diff.words_deleted
        if diff.changed:
            summary.sections_changed.append(key)
    details = []
    for name, label in (("job_family", "job family"), ("grade", "recommended grade")):
        if str(a.get(name) or "") != str(b.get(name) or ""):
            details.append(FieldChange(field=name, label=label, old=str(a.get(name) or ""),
                                       new=str(b.get(name) or "")))
            summary.details_changed.append(label)
    return Comparison(old_label=version_label(old), new_label=version_label(new), sections=sections,
                      details=details, summary=summary)


# --- HTML ----------------------------------------------------------------------------------------------


def _escape_text(text: str) -> str:
    return str(escape(text)).replace("\n", "<br>\n")


def render_ops_html(ops: Iterable[Op]) -> SafeString:
    """Escaped HTML with ``<ins>``/``<del>``; spacing-only changes show as plain text."""
    out = []
    for op in ops:
        if op.kind == "equal":
            out.append(_escape_text(op.text))
        elif op.is_whitespace:
            if op.kind == "insert":
                out.append(_escape_text(op.text))
        elif op.kind == "insert":
            out.append(f'<ins class="redline-ins">{_escape_text(op.text)}</ins>')
        else:
            out.append(f'<del class="redline-del">{_escape_text(op.text)}</del>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _attribute_html(item: ItemChange) -> str:
    bits = []
    for name, (old, new) in item.attributes.items():
        labels = KIND_LABELS if name == "kind" else ASSESSED_LABELS
        what = "Essential or desirable" if name == "kind" else "Assessed at"
        bits.append(f'<span class="redline-attr">{escape(what)}: '
                    f'<del class="redline-del">{escape(labels.get(old, old))}</del> '
                    f'<ins class="redline-ins">{escape(labels.get(new, new))}</ins></span>')
    return " ".join(bits)


def _criterion_tags(item: Any) -> str:
    if not isinstance(item, Mapping):
        return ""
    kind = KIND_LABELS.get(item.get("kind", ""), "")
    assessed = ASSESSED_LABELS.get(item.get("assessed", ""), "")
    return (f'<span class="redline-tag redline-tag--{escape(item.get("kind", ""))}">{escape(kind)}</span>'
            f'<span class="redline-tag">{escape(assessed)}</span>')


def render_items_html(diff: ListDiff) -> SafeString:
    """An ordered list of duties or criteria with each item's change marked by a CSS class."""
    out = [f'<ol class="redline-list redline-list--{escape(diff.section)}">']
    for item in diff.items:
        classes = f"redline-item redline-item--{item.kind.replace('_', '-')}"
        note = ""
        if item.kind == "moved":
            note = (f'<span class="redline-note">Moved from position {item.old_position} '
                    f'to {item.new_position}</span>')
        elif item.kind == "moved_away":
            note = f'<span class="redline-note">Moved to position {item.new_position}</span>'
        elif item.kind == "inserted":
            note = '<span class="redline-note">Added</span>'
        elif item.kind == "deleted":
            note = '<span class="redline-note">Removed</span>'
        if item.kind == "moved_away":
            body = f'<span class="redline-ghost">{_escape_text(item.old_text)}</span>'
        else:
            body = render_ops_html(item.ops)
        side = item.new if item.on_new_side else item.old
        tags = _criterion_tags(side) if diff.section == "person_spec" else ""
        attrs = _attribute_html(item)
        out.append(f'<li class="{classes}">{note}<span class="redline-text">{body}</span>{tags}{attrs}</li>')
    out.append("</ol>")
    return mark_safe("\n".join(out))  # noqa: S308 - built from escaped pieces


def render_section_html(diff: TextDiff | ListDiff) -> SafeString:
    if isinstance(diff, ListDiff):
        return render_items_html(diff)
    return mark_safe(f'<div class="redline-text">{render_ops_html(diff.ops)}</div>')  # noqa: S308


def render_comparison_html(comparison: Comparison, *, only_changed: bool = False,
                           heading_level: int = 3) -> SafeString:
    """Every section with its heading (``<h3>`` unless told); ``only_changed`` leaves out sections
    with no word changes."""
    level = min(max(int(heading_level), 1), 6)
    out = ['<div class="redline">',
           f'<p class="redline-summary">{escape(comparison.summary.as_sentence())}</p>']
    for detail in comparison.details:
        out.append(f'<p class="redline-detail">{escape(detail.label.capitalize())}: '
                   f'<del class="redline-del">{escape(detail.old or "none")}</del> '
                   f'<ins class="redline-ins">{escape(detail.new or "none")}</ins></p>')
    for diff in comparison.sections:
        if only_changed and not diff.changed:
            continue
        state = "changed" if diff.changed else "unchanged"
        out.append(f'<section class="redline-section redline-section--{state}">'
                   f'<h{level} class="redline-heading">{escape(diff.label)}</h{level}>'
                   f'{render_section_html(diff)}</section>')
    out.append("</div>")
    return mark_safe("\n".join(out))  # noqa: S308 - built from escaped pieces

"""Policy citations in the README and docs resolve inside the repository (issue 11, item 19): they
cite docs/policy.md and its headings, never a document that is not in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import gradepath

REPO = Path(gradepath.__file__).resolve().parent.parent
POLICY = REPO / "docs" / "policy.md"
LINK = re.compile(r"\]\(([^)\s]*policy\.md)(?:#([^)\s]+))?\)")


def _documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _policy_anchors() -> set[str]:
    return {_github_anchor(line.lstrip("#")) for line in POLICY.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def test_no_document_cites_a_policy_file_outside_the_repository():
    code = [p for p in sorted((REPO / "gradepath").rglob("*")) if p.suffix in (".py", ".html")
            and p.name != Path(__file__).name]
    citing = [str(path.relative_to(REPO)) for path in [*_documents(), REPO / "CONTRIBUTING.md", *code]
              if "DOMAIN.md" in path.read_text(encoding="utf-8")]
    assert citing == []


def test_every_link_to_the_policy_names_a_heading_that_exists():
    anchors = _policy_anchors()
    assert "41-new-job-grading" in anchors  # the slug rule matches how the policy is written
    broken = []
    for path in _documents():
        for target, anchor in LINK.findall(path.read_text(encoding="utf-8")):
            if not (path.parent / target).resolve() == POLICY:
                broken.append(f"{path.relative_to(REPO)}: {target}")
            elif anchor and anchor not in anchors:
                broken.append(f"{path.relative_to(REPO)}: #{anchor}")
    assert broken == []


def test_the_workflow_docs_cite_the_policy_section_of_their_route():
    docs = REPO / "docs" / "workflows"
    assert "[policy §4.1](../policy.md#41-new-job-grading)" in (docs / "new-job.md").read_text(encoding="utf-8")
    assert "[policy §4.2](../policy.md#42-existing-job-agreed-route)" in (docs / "agreed-route.md").read_text(
        encoding="utf-8")
    assert "[policy §4.3](../policy.md#43-existing-job-direct-route)" in (docs / "direct-route.md").read_text(
        encoding="utf-8")

"""Bootstrap colour classes named in templates exist: a class Bootstrap does not define (for example
``text-bg-warning-subtle``) silently leaves the text white on white (issue 11, item 12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
BOOTSTRAP_CSS = PACKAGE.parent / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.css"

# The colour and contextual families of Bootstrap 5.3 utilities and components.
COLOUR_CLASS = re.compile(r"^(text-bg|bg|text|border|btn|btn-outline|alert|link|table|list-group-item)-"
                          r"[a-z]+(-(subtle|emphasis))?$")
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")


def defined_classes() -> set[str]:
    own = "".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.css") if "static" in p.parts)
    return set(re.findall(r"\.([a-zA-Z][\w-]*)", BOOTSTRAP_CSS.read_text(encoding="utf-8") + own))


def colour_classes_in(text: str) -> set[str]:
    found = set()
    for attribute in re.finditer(r'class="([^"]*)"', text):
        for token in TEMPLATE_CODE.sub(" ", attribute.group(1)).split():
            if COLOUR_CLASS.match(token):
                found.add(token)
    return found


@pytest.mark.skipif(not BOOTSTRAP_CSS.exists(), reason="Bootstrap is not installed (run scripts/setup).")
def test_every_bootstrap_colour_class_in_a_template_exists():
    defined = defined_classes()
    missing = {}
    for template in PACKAGE.rglob("templates/**/*.html"):
        for name in colour_classes_in(template.read_text(encoding="utf-8")) - defined:
            missing.setdefault(name, []).append(str(template.relative_to(PACKAGE)))
    assert missing == {}

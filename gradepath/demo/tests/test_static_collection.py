"""Collecting static files for the first start (issue 11, item 19: it took about three minutes of a
6.5-minute first start): only the npm files pages load are collected, and source maps are not
compressed. Every file a template asks for is still found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from whitenoise.compress import Compressor

import gradepath

PACKAGE = Path(gradepath.__file__).resolve().parent
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")

needs_npm = pytest.mark.skipif(not (Path(settings.GRADEPATH_NODE_MODULES) / "bootstrap").is_dir(),
                               reason="the npm packages are not installed (scripts/setup)")


def _collected() -> set[str]:
    found = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            found.add(f"{prefix}/{path}" if prefix else path)
    return found


def _template_static_paths() -> set[str]:
    return {match for template in PACKAGE.rglob("*.html")
            for match in STATIC_TAG.findall(template.read_text(encoding="utf-8"))}


@needs_npm
def test_every_static_file_a_template_loads_is_found():
    paths = _template_static_paths()
    assert "vendor/bootstrap/dist/css/bootstrap.min.css" in paths
    missing = sorted(path for path in paths if not finders.find(path))
    assert missing == []


@needs_npm
def test_only_the_listed_npm_files_are_collected():
    vendor = {path for path in _collected() if path.startswith("vendor/")}
    assert vendor == {f"vendor/{name}" for name in settings.GRADEPATH_NPM_STATIC_FILES}
    assert "vendor/bootstrap/dist/css/bootstrap.css" not in vendor  # unminified and other variants stay out
    assert not finders.find("vendor/bootstrap/dist/js/bootstrap.esm.js")


def test_the_minified_files_keep_the_source_maps_they_name():
    listed = set(settings.GRADEPATH_NPM_STATIC_FILES)
    root = Path(settings.GRADEPATH_NODE_MODULES)
    for name in listed:
        if name.endswith((".css", ".js")) and (root / name).is_file():
            named = re.search(r"sourceMappingURL=([^\s*]+)", (root / name).read_text(encoding="utf-8"))
            if named:
                assert str(Path(name).parent / named.group(1)) in listed, name


def test_source_maps_are_not_compressed():
    compressor = Compressor(extensions=settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS, quiet=True)
    assert not compressor.should_compress("vendor/bootstrap/dist/css/bootstrap.min.css.map")
    assert compressor.should_compress("vendor/bootstrap/dist/css/bootstrap.min.css")

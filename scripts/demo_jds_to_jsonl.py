#!/usr/bin/env python3
"""The demo generator's JDs as a ``gradepath jd-match-eval`` file (one of the project's own sets).

    GRADEPATH_DATA_DIR=/tmp/gp .venv/bin/python scripts/demo_jds_to_jsonl.py --output /tmp/demo_jds.jsonl

Two titles per area and grade from ``gradepath.demo.jds`` (a fixed seed: the same 188
JDs every run), each composed as the demo composes it; the text is the work and the context
sections, the grade the one the title was written for.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradepath.config.settings")
    import django

    django.setup()
    from gradepath.demo import jds as dc
    from gradepath.jobs.matching.documents import document_from_sections

    rng, rows = random.Random(7), []
    for area in dc.AREAS:
        for grade, titles in sorted(area.titles.items()):
            for title in titles[:2]:
                doc = document_from_sections(0, **dc.sections_of(dc.compose_jd(rng, area, title, grade)))
                rows.append({"id": f"{area.key}-{grade}-{len(rows)}", "title": title,
                             "text": doc.work + "\n" + doc.context, "grade": grade})
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    if args.output:
        args.output.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(rows)} demo JDs written.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

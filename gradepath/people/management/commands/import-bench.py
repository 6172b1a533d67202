"""``gradepath import-bench [--rows 50000] [--json]``: time ``gradepath import-people`` of a large HR extract.

Writes a synthetic extract of ``--rows`` rows (:func:`gradepath.people.importer.synthetic.hr_extract`,
fixed seed: units with their role holders, people with line managers, posts, appointments,
secondments, vacant posts) to a temporary file, then runs ``gradepath import-people`` of it twice on
the database it is pointed at: the first import, and the same file again, which must change
nothing. For each run it gives the wall time, this process's CPU time (and, on PostgreSQL on this
machine, the database server's), and the load average before it; then the records and history rows
written, and whether ``gradepath audit-verify`` finds the history chain intact.

What it imports stays (history rows cannot be removed), so it refuses a database that already holds
people unless ``--allow-existing`` is given: point it at a scratch database, for example
``GRADEPATH_DATA_DIR=/tmp/gp-bench gradepath migrate`` first. Refused in production. Targets
(issue 13): the first import of 50,000 rows in at most 30 s on either database, the re-run faster.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from gradepath.core.models import HistoryEntry
from gradepath.people.importer.synthetic import hr_extract
from gradepath.people.models import Appointment, OrgUnit, Person, Post, UnitRoleAssignment


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL server process (same machine only)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # the server is on another machine
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _counts() -> dict[str, int]:
    return {"units": OrgUnit.objects.count(), "people": Person.objects.count(), "posts": Post.objects.count(),
            "appointments": Appointment.objects.count(), "unit_roles": UnitRoleAssignment.objects.count(),
            "history": HistoryEntry.objects.count()}


class Command(BaseCommand):
    help = ("Time `gradepath import-people` of a synthetic HR extract: the first import and the unchanged "
            "re-run (what it imports is kept: use a scratch database).")

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000, help="Rows in the extract (default 50,000).")
        parser.add_argument("--seed", type=int, default=2026, help="The extract's random seed (default 2026).")
        parser.add_argument("--allow-existing", action="store_true",
                            help="Run even though the database already holds people (they stay).")
        parser.add_argument("--keep-file", metavar="PATH", help="Also write the extract to this file.")
        parser.add_argument("--profile", metavar="PREFIX",
                            help="Write cProfile statistics of each run to PREFIX-first.prof and PREFIX-rerun.prof.")
        parser.add_argument("--no-verify", action="store_true", help="Skip the audit-verify check at the end.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The benchmark writes thousands of records that cannot be removed: it does not "
                               "run in production.")
        rows = options["rows"]
        if rows < 20:
            raise CommandError("--rows must be at least 20.")
        if Person.objects.exists() and not options["allow_existing"]:
            raise CommandError(
                f"This database already holds {Person.objects.count()} people, and what the benchmark imports "
                "cannot be removed. Point it at a scratch database (for example GRADEPATH_DATA_DIR=/tmp/gp-bench "
                "and `gradepath migrate`), or give --allow-existing.")
        data = hr_extract(rows, seed=options["seed"])
        if options["keep_file"]:
            Path(options["keep_file"]).write_bytes(data)
        with tempfile.TemporaryDirectory(prefix="gp-import-bench-") as folder:
            path = Path(folder) / "hr_extract.csv"
            path.write_bytes(data)
            before = _counts()
            first = self._run(path, "first", options)
            after_first = _counts()
            rerun = self._run(path, "rerun", options)
            after_rerun = _counts()
        verified = None
        if not options["no_verify"]:
            out = io.StringIO()
            started = time.perf_counter()
            try:
                call_command("audit-verify", stdout=out, stderr=out)
                verified = {"ok": True, "seconds": round(time.perf_counter() - started, 2)}
            except CommandError as exc:
                verified = {"ok": False, "message": str(exc), "detail": out.getvalue()[-2000:]}
        result = {
            "vendor": connection.vendor, "rows": rows, "bytes": len(data), "seed": options["seed"],
            "runs": [first, rerun], "written": {k: after_first[k] - before[k] for k in before},
            "rerun_wrote": {k: after_rerun[k] - after_first[k] for k in before},
            "audit_verify": verified,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self._table(result)
        if any(not run["ok"] for run in result["runs"]) or any(result["rerun_wrote"].values()) or (
                verified is not None and not verified["ok"]):
            raise CommandError("The benchmark found a problem (above).")

    def _run(self, path: Path, name: str, options: dict[str, Any]) -> dict[str, Any]:
        load = os.getloadavg()
        # The table shows the import's own progress bars and problems; the JSON keeps them for itself.
        out = io.StringIO()
        err: Any = io.StringIO() if options["json"] else self.stderr._out
        arguments = [str(path)] + (["--no-progress"] if options["json"] else [])
        server_before = _server_cpu()
        profiler = cProfile.Profile() if options["profile"] else None
        cpu, wall = time.process_time(), time.perf_counter()
        ok = True
        if profiler is not None:
            profiler.enable()
        try:
            call_command("import-people", *arguments, stdout=out, stderr=err)
        except CommandError:
            ok = False
        finally:
            if profiler is not None:
                profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server_after = _server_cpu()
        if profiler is not None:
            profiler.dump_stats(f"{options['profile']}-{name}.prof")
        return {
            "run": name, "ok": ok, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "db_server_cpu_s": (round(server_after - server_before, 2)
                                if server_before is not None and server_after is not None else None),
            "load_before": [round(x, 2) for x in load],
            "summary": out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else "",
            "problems": err.getvalue().strip().splitlines()[:5] if isinstance(err, io.StringIO) else [],
        }

    def _table(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"import-people of {result['rows']:,} rows ({result['bytes'] / 1e6:.1f} MB) on "
                          f"{result['vendor']}")
        self.stdout.write(f"{'run':<7} {'wall s':>8} {'CPU s':>7} {'DB CPU s':>9}  load (1, 5, 15 min)  result")
        for run in result["runs"]:
            server = "-" if run["db_server_cpu_s"] is None else f"{run['db_server_cpu_s']:.1f}"
            load = ", ".join(f"{x:.2f}" for x in run["load_before"])
            self.stdout.write(f"{run['run']:<7} {run['wall_s']:>8.1f} {run['cpu_s']:>7.1f} {server:>9}  "
                              f"{load:<19}  {run['summary']}")
            for problem in run["problems"]:
                self.stdout.write(f"        {problem}")
        written = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in result["written"].items())
        self.stdout.write(f"Written by the first run: {written}.")
        again = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in result["rerun_wrote"].items() if v)
        self.stdout.write(f"Written by the re-run: {again or 'nothing'}.")
        verified = result["audit_verify"]
        if verified is not None:
            self.stdout.write("audit-verify: " + (f"history intact ({verified['seconds']} s)" if verified["ok"]
                                                  else verified["message"]))

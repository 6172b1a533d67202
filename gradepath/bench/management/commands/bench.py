"""``gradepath bench pages|load``: the page benchmark and the load test (issue 13).

``gradepath bench pages [--repeat N] [--only KEY,...] [--json [FILE]] [--baseline FILE] [--from FILE]``
    Every key page and list endpoint, timed in this process against the configured database
    (GRADEPATH_DATA_DIR or DATABASE_URL), signed in as the demo persona who uses it: p50 and p95
    server time, query count, the bare time of the same SQL, and the ratios, in one table.
    ``--json`` writes the results (to FILE, or as the only output without one); ``--baseline``
    compares with a run at another size (time at the larger ÷ time at the smaller, query counts);
    ``--from`` prints a saved run instead of running.

``gradepath bench load --url http://127.0.0.1:PORT [--clients 50] [--seconds 60] [--json [FILE]]``
    Signed-in clients (the demo logins) request a mix of the four most-used pages from a running
    server on this machine (loopback only) for a bounded time: requests per second, latency
    percentiles, errors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gradepath.bench import load, pages
from gradepath.demo.logins import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Measure Gradepath: `bench pages` (every key page, in this process) or `bench load` (a running server)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="pages|load",
                                    parser_class=CommandParser)
        p = sub.add_parser("pages", help="Time every key page and list endpoint against the configured database.",
                           description=pages.__doc__.split("\n\n")[0], called_from_command_line=getattr(
                               parser, "called_from_command_line", None))
        p.add_argument("--repeat", type=int, default=20, help="Timed requests per page (default 20).")
        p.add_argument("--only", default="", help=f"Comma-separated page keys (default: all): "
                                                  f"{', '.join(pages.PAGE_KEYS)}.")
        p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                       help="Write the results as JSON to FILE (without FILE: print only the JSON).")
        p.add_argument("--baseline", metavar="FILE", help="A saved run at another size to compare with.")
        p.add_argument("--from", dest="from_file", metavar="FILE",
                       help="Print a saved run (with --baseline: compared) instead of running.")
        p.add_argument("--no-index-refresh", action="store_true",
                       help="Do not bring the matching index up to date before timing the match page.")

        lp = sub.add_parser("load", help="Drive a running server on this machine with signed-in clients.",
                            description=load.__doc__.split("\n\n")[0], called_from_command_line=getattr(
                                parser, "called_from_command_line", None))
        lp.add_argument("--url", required=True, help="The server, on this machine: http://127.0.0.1:PORT")
        lp.add_argument("--clients", type=int, default=50, help="Concurrent signed-in clients (default 50).")
        lp.add_argument("--seconds", type=float, default=60, help="How long to load it (default 60).")
        lp.add_argument("--users", default=",".join(load.DEFAULT_USERS),
                        help=f"Logins the clients use in turn (default {','.join(load.DEFAULT_USERS)}).")
        lp.add_argument("--password", default=None,
                        help="Their password (default: the demo's; or GRADEPATH_BENCH_PASSWORD).")
        lp.add_argument("--mix", default=load.format_mix(load.DEFAULT_MIX),
                        help=f"Weights of the pages (default {load.format_mix(load.DEFAULT_MIX)}).")
        lp.add_argument("--server-pid", type=int, default=None, metavar="PID",
                        help="The gunicorn master's process id: report its workers' CPU time per request.")
        lp.add_argument("--timeout", type=float, default=30, help="Seconds before a request counts as failed.")
        lp.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="Write the results as JSON to FILE (without FILE: print only the JSON).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["what"] == "pages":
                self._pages(**options)
            else:
                self._load(**options)
        except (pages.BenchError, load.LoadError) as error:
            raise CommandError(str(error)) from None

    # --- pages ------------------------------------------------------------------------------

    def _pages(self, **options: Any) -> None:
        baseline = _read_run(options["baseline"]) if options["baseline"] else None
        if options["from_file"]:
            run = _read_run(options["from_file"])
        else:
            only = [k.strip() for k in options["only"].split(",") if k.strip()]
            quiet = options["json"] == "-" or options["verbosity"] == 0
            run = pages.run_pages(repeat=options["repeat"], only=only,
                                  refresh_index=not options["no_index_refresh"],
                                  progress=None if quiet else self._progress)
        if options["json"] == "-":
            self.stdout.write(json.dumps(run.as_json(), indent=1))
            return
        if options["json"]:
            _write(options["json"], run.as_json())
        self.stdout.write(pages.table(run, baseline))
        if options["json"]:
            self.stdout.write(f"Results written to {options['json']}.")

    def _progress(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()

    # --- load -------------------------------------------------------------------------------

    def _load(self, **options: Any) -> None:
        users = [u.strip() for u in options["users"].split(",") if u.strip()]
        password = options["password"] or os.environ.get("GRADEPATH_BENCH_PASSWORD") or DEMO_PASSWORD
        report = load.run_load(
            options["url"], clients=options["clients"], seconds=options["seconds"], users=users,
            password=password, mix=load.parse_mix(options["mix"]), timeout=options["timeout"],
            server_pid=options["server_pid"],
            progress=None if options["json"] == "-" else self._progress,
        )
        if options["json"] == "-":
            self.stdout.write(json.dumps(report.as_json(), indent=1))
        else:
            if options["json"]:
                _write(options["json"], report.as_json())
            self.stdout.write(report.text())
        if report.errors:
            raise CommandError(f"{report.errors} of {len(report.samples)} requests failed (see above).")


def _read_run(path: str) -> pages.Run:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise CommandError(f"There is no file {path}.") from None
    except (OSError, ValueError) as error:
        raise CommandError(f"{path} could not be read as JSON ({error}).") from None
    try:
        return pages.Run.from_json(data)
    except pages.BenchError as error:
        raise CommandError(f"{path}: {error}") from None


def _write(path: str, data: Any) -> None:
    try:
        Path(path).write_text(json.dumps(data, indent=1) + "\n")
    except OSError as error:
        raise CommandError(f"Could not write {path} ({error.strerror}).") from None

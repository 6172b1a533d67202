"""`gradepath demo`: load the demo university and run Gradepath with its background worker.

Steps: migrate, collect static files, build the demo university if the database holds no
people yet (or start afresh with ``--reset`` on SQLite), then (unless ``--no-serve``) run
``gradepath db_worker`` and gunicorn with ``GRADEPATH_DEMO=true`` until Ctrl-C or SIGTERM stops
them both. The logins and the address are printed last, once the site answers, so nothing
buries them: the servers log only warnings, and in demo mode e-mails stay in the outbox (the
demo's "E-mails sent" page shows them) instead of being printed. Links in e-mails use the
demo's own address (``GRADEPATH_SITE_URL`` unless it is set). Refuses to run when
``GRADEPATH_ENV=production``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gradepath.core.history import history_purge_allowed
from gradepath.demo.builder import DEFAULT_SEED, DEFAULT_STAFF, build_demo_university
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.people.models import Person, User

READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20


class Command(BaseCommand):
    help = (
        "Load the demo university (about 600 staff, one login per role) and run Gradepath with its "
        "background worker. For trying Gradepath out: never run it in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true",
                            help="Prepare the database and print the logins, but do not start the web server.")
        parser.add_argument("--reset", action="store_true",
                            help="Empty the database first and build the demo university again (SQLite only; "
                                 "on PostgreSQL only when the database holds no people).")
        parser.add_argument("--host", default="127.0.0.1", help="Address for the web server (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port for the web server (default 8000).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"Seed for the demo data: the same seed gives the same university "
                                 f"(default {DEFAULT_SEED}).")
        parser.add_argument("--staff", type=int, default=DEFAULT_STAFF,
                            help=f"How many professional services and technical staff to make "
                                 f"(default {DEFAULT_STAFF}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) or getattr(settings, "GRADEPATH_ENV", "") == "production":
            raise CommandError(
                "The demo refuses to run with GRADEPATH_ENV=production: it creates logins with a published "
                "password. Run it with its own data directory and without GRADEPATH_ENV=production."
            )
        if not 1 <= options["port"] <= 65535:
            raise CommandError("The port must be a number from 1 to 65535.")
        if options["staff"] < 1:
            raise CommandError("The number of staff must be at least 1.")
        # Links in e-mails point at this demo (the build below writes some), not at the default port.
        site_url = os.environ.get("GRADEPATH_SITE_URL") or _url(options["host"], options["port"]).rstrip("/")
        previous = settings.SITE_URL
        settings.SITE_URL = site_url
        try:
            self._run(site_url, **options)
        finally:
            settings.SITE_URL = previous

    def _run(self, site_url: str, **options: Any) -> None:
        verbosity = options["verbosity"]
        self.stdout.write("Bringing the database up to date…")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        if _static_files_up_to_date():
            self.stdout.write("Static files are up to date.")
        else:
            self.stdout.write("Collecting static files…")
            call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0), stdout=self.stdout)

        if options["reset"]:
            self._reset()
        if Person.objects.exists():
            self.stdout.write("The database already holds people, so the demo university was not built again "
                              "(use --reset to start afresh).")
        else:
            self.stdout.write(f"Building the demo university (seed {options['seed']})…")
            summary = build_demo_university(seed=options["seed"], staff=options["staff"])
            counts = ", ".join(f"{value} {name}" for name, value in summary.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Built the demo university in {summary.seconds:.1f} s: {counts}."))
        if options["no_serve"]:
            self._print_logins(options["host"], options["port"], running=False)
        else:
            self._serve(options["host"], options["port"], site_url)

    def _reset(self) -> None:
        if connection.vendor == "sqlite":
            self.stdout.write("Emptying the SQLite database…")
            # History rows are append-only; only this switch lets a flush delete them.
            with history_purge_allowed():
                call_command("flush", interactive=False, verbosity=0)
            return
        if Person.objects.exists():
            raise CommandError(
                f"--reset would empty a {connection.vendor} database that already holds people, and the demo "
                "does not do that outside SQLite. Drop and recreate the database yourself (for example "
                "dropdb and createdb), or point DATABASE_URL at an empty database, then run gradepath demo again."
            )

    def _print_logins(self, host: str, port: int, *, running: bool) -> None:
        """The demo logins, then the address: the last thing printed, so nothing buries them."""
        existing = set(User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
                       .values_list("username", flat=True))
        rows = [("Username", "Password", "Role", "What to try")]
        rows += [(d.username, DEMO_PASSWORD, d.role, d.what_to_try) for d in DEMO_LOGINS if d.username in existing]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for n, row in enumerate(rows):
            line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
            self.stdout.write(self.style.MIGRATE_HEADING(line) if n == 0 else line)
        missing = [d.username for d in DEMO_LOGINS if d.username not in existing]
        if missing:
            self.stdout.write(self.style.WARNING(
                f"These demo logins do not exist in this database: {', '.join(missing)}. "
                "Use --reset to build the demo university afresh."
            ))
        self.stdout.write("")
        if running:
            self.stdout.write(self.style.SUCCESS(
                f"The demo is running at {_url(host, port)} (sign in with any login above). "
                "E-mails it sends are on its \u201cE-mails sent\u201d page. Press Ctrl-C to stop it."))
        else:
            self.stdout.write(f"Gradepath: {_url(host, port)} (sign in with any login above, once it is served).")
        self.stdout.flush()

    def _serve(self, host: str, port: int, site_url: str) -> None:
        env = {**os.environ, "GRADEPATH_DEMO": "true", "GRADEPATH_SITE_URL": site_url}
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if host not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):  # noqa: S104
            self.stdout.write(self.style.WARNING(
                f"{host} is not in GRADEPATH_ALLOWED_HOSTS, so pages will answer 400 until you add it."
            ))
        if host in ("0.0.0.0", "::"):  # noqa: S104
            self.stdout.write(self.style.WARNING(
                "To reach the demo from another machine, add this machine's name or address to "
                "GRADEPATH_ALLOWED_HOSTS."
            ))
        stop_requested = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stop_requested
            stop_requested = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        children: list[tuple[str, subprocess.Popen]] = []
        failed: str | None = None
        try:
            # Own sessions: Ctrl-C reaches this command only, which then stops both in order.
            # Quiet: warnings and errors only, so the logins printed below stay on screen.
            children.append(("background worker", subprocess.Popen(
                [sys.executable, "-m", "gradepath.manage", "db_worker", "--no-reload", "--verbosity", "0"],
                env=env, start_new_session=True)))
            children.append(("web server", subprocess.Popen(
                # Gradepath's gunicorn settings (preloaded and warmed before it opens the port), with
                # two workers: enough for trying it out, whatever the machine.
                [sys.executable, "-m", "gunicorn", "--config", "python:gradepath.config.gunicorn",
                 "gradepath.config.wsgi:application", "--bind", bind, "--workers", "2", "--log-level", "warning"],
                env=env, start_new_session=True)))
            for name, child in children:
                self.stdout.write(f"Started the {name} (process {child.pid}).")
            self.stdout.flush()
            ready_by = time.monotonic() + READY_TIMEOUT_SECONDS
            ready = False
            while not stop_requested:
                for name, child in children:
                    if child.poll() is not None:
                        failed = f"The {name} stopped unexpectedly (exit code {child.returncode})."
                if failed:
                    break
                if not ready:
                    ready = _answers(host, port)
                    if ready:
                        self._print_logins(host, port, running=True)
                    elif time.monotonic() > ready_by:
                        failed = (f"The web server did not answer on {_url(host, port)} within "
                                  f"{READY_TIMEOUT_SECONDS} seconds. Is the port already in use?")
                        break
                time.sleep(0.5)
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(failed + " Both processes have been stopped.")
        self.stdout.write("Stopped the web server and the background worker.")

    def _stop(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        for _, child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in reversed(children):
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stdout.write(self.style.WARNING(f"The {name} did not stop in time and was killed."))
                child.kill()
                child.wait()


def _static_files_up_to_date() -> bool:
    """True when the collected files (and their manifest) are newer than every source static file.

    Collecting with compression takes some seconds, so a second ``gradepath demo`` skips it unless
    a source file changed since.
    """
    from django.contrib.staticfiles.finders import get_finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    root = Path(settings.STATIC_ROOT)
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    marker = root / manifest_name if manifest_name else None
    if marker is None or not marker.exists():
        return False
    collected_at = marker.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if Path(storage.path(path)).stat().st_mtime > collected_at:
                return False
    return True


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def _answers(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"{_url(host, port)}healthz", timeout=5) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False

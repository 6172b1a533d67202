"""`gradepath demo`: prepares the database, prints the logins, serves, and stops cleanly."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gradepath.core.models import HistoryEntry
from gradepath.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from gradepath.notifications.models import OutboxEmail
from gradepath.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def test_demo_command_builds_the_university_and_prints_every_login():
    output = _demo()
    assert Person.objects.exclude(staff_category="academic").count() >= 550
    assert "Built the demo university" in output
    for login in DEMO_LOGINS:
        assert re.search(rf"^{login.username}\s+{DEMO_PASSWORD}\s+{re.escape(login.role)}", output, re.M)
    assert "http://127.0.0.1:8000/" in output


def test_links_in_the_demos_emails_use_the_port_it_runs_on(settings):
    site_url = settings.SITE_URL
    output = _demo("--staff", "120", "--port", "8101")
    bodies = list(OutboxEmail.objects.values_list("body", flat=True))
    assert bodies and all("http://127.0.0.1:8101/" in body for body in bodies if "http" in body)
    assert not any(":8000" in body for body in bodies)
    assert "http://127.0.0.1:8101/" in output
    assert settings.SITE_URL == site_url  # the command's own address does not outlive it


def test_the_demos_emails_are_kept_not_printed_and_the_logins_come_last(capsys):
    output = _demo("--staff", "120")
    assert not OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).exists()  # nothing to send at start
    assert "Subject:" not in output + capsys.readouterr().out
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines.index("Demo logins:") > max(i for i, line in enumerate(lines) if line.startswith("Built the demo"))
    assert lines[-1].startswith("Gradepath: http://127.0.0.1:8000/")


def test_demo_mode_keeps_emails_in_the_outbox_instead_of_printing_them(tmp_path):
    def backend(**extra: str) -> str:
        env = {key: value for key, value in os.environ.items()
               if key not in ("GRADEPATH_EMAIL_BACKEND", "GRADEPATH_EMAIL_HOST", "GRADEPATH_DEMO")}
        env.update(GRADEPATH_DATA_DIR=str(tmp_path), **extra)
        return subprocess.run([sys.executable, "-c", "import gradepath.config.settings as s; print(s.EMAIL_BACKEND)"],
                              env=env, capture_output=True, text=True, check=True).stdout.strip()

    assert backend(GRADEPATH_DEMO="true") == "django.core.mail.backends.dummy.EmailBackend"
    assert backend() == "django.core.mail.backends.console.EmailBackend"
    assert backend(GRADEPATH_DEMO="true", GRADEPATH_EMAIL_HOST="smtp.example.ac.uk") == \
        "django.core.mail.backends.smtp.EmailBackend"


def test_demo_command_keeps_an_existing_university():
    _demo("--staff", "120")
    people = set(Person.objects.values_list("pk", flat=True))
    output = _demo("--staff", "120")
    assert "was not built again" in output
    assert set(Person.objects.values_list("pk", flat=True)) == people


@pytest.mark.skipif(connection.vendor != "sqlite", reason="--reset empties the database on SQLite only")
def test_demo_reset_builds_the_university_afresh_on_sqlite():
    _demo("--staff", "120")
    built = Person.objects.count()
    Person.objects.create(employee_number="X-MARKER", first_name="Marker", last_name="Person",
                          work_email="marker@example.org", staff_category="pss")
    output = _demo("--staff", "120", "--reset")
    assert "Built the demo university" in output
    assert not Person.objects.filter(employee_number="X-MARKER").exists()
    assert Person.objects.count() == built
    assert HistoryEntry.objects.filter(action="person.imported").count() == built


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL refuses --reset on a database with people")
def test_demo_reset_is_refused_on_postgresql_when_people_exist(personas):
    with pytest.raises(CommandError, match="Drop and recreate the database"):
        _demo("--reset")
    assert Person.objects.filter(pk=personas.staff_member.pk).exists()


def test_demo_refuses_to_run_in_production(settings):
    settings.GRADEPATH_ENV = "production"
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="GRADEPATH_ENV=production"):
        _demo()
    assert not Person.objects.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = path.read_text() if path.exists() else ""
        if text in output:
            return output
        if process.poll() is not None:
            pytest.fail(f"gradepath demo exited early:\n{output}")
        time.sleep(0.3)
    pytest.fail(f"{text!r} did not appear within {timeout} s:\n{path.read_text()}")


def _sign_in(base: str, username: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                   "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(f"{base}accounts/login/", data=form, headers={"Referer": base})  # noqa: S310
    with opener.open(request, timeout=10) as response:
        return response.status, response.geturl()


def test_demo_serves_the_site_and_stops_both_processes_on_sigterm(tmp_path):
    """A fresh data directory on SQLite: migrate, build, serve with the worker, stop on SIGTERM."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(GRADEPATH_DATA_DIR=str(tmp_path / "data"), GRADEPATH_PLAIN_STATIC="true")
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gradepath.manage", "demo", "--staff", "100", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    try:
        output = _wait_for(log, "The demo is running", process, timeout=120)
        children = [int(pid) for pid in re.findall(r"\(process (\d+)\)", output)]
        assert len(children) == 2
        # The logins and the address come last, once the site answers: nothing printed after them buries them.
        assert output.index("Started the web server") < output.index("Demo logins:") < output.index(
            f"The demo is running at http://127.0.0.1:{port}/")
        assert "Booting worker" not in output and "Subject:" not in output
        status, landed_on = _sign_in(f"http://127.0.0.1:{port}/", "staff")
        assert status == 200 and "/accounts/login/" not in landed_on
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Stopped the web server and the background worker." in log.read_text()
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()

"""`gradepath bench load`: loopback only, bounded, and error-free against a live server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gradepath.bench.load import (
    DEFAULT_MIX,
    LoadError,
    check_server_pid,
    format_mix,
    loopback_target,
    parse_mix,
    process_tree_cpu_seconds,
    run_load,
)
from gradepath.grading.services import start_direct_route_case
from gradepath.grading.tests.conftest import grading  # noqa: F401 - the fixture


@pytest.mark.parametrize("url", ["http://192.0.2.10:8000", "http://10.1.2.3", "https://[2001:db8::1]:8443/"])
def test_a_server_on_another_machine_is_refused(url):
    with pytest.raises(LoadError, match="only runs against a server on the loopback interface"):
        loopback_target(url)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:8000", "http://127.0.0.1:8000/?page=2",
                                 "http://bench:secret@127.0.0.1:8000/"])
def test_an_address_that_is_not_a_plain_server_address_is_refused(url):
    with pytest.raises(LoadError):
        loopback_target(url)


def test_loopback_addresses_are_accepted():
    assert loopback_target("http://127.0.0.1:8000").port == 8000
    assert loopback_target("http://localhost:8123/").host == "localhost"
    assert loopback_target("http://[::1]:9000/gradepath/").prefix == "/gradepath"


def test_the_command_refuses_another_machine_and_bounds_the_load():
    with pytest.raises(CommandError, match="loopback"):
        call_command("bench", "load", "--url", "http://192.0.2.10:8000", stdout=StringIO())
    with pytest.raises(CommandError, match="--clients must be from 1 to 200"):
        call_command("bench", "load", "--url", "http://127.0.0.1:9", "--clients", "1000", stdout=StringIO())
    with pytest.raises(CommandError, match="--seconds must be"):
        call_command("bench", "load", "--url", "http://127.0.0.1:9", "--seconds", "3600", stdout=StringIO())


def test_the_mix_is_read_and_checked():
    assert parse_mix(format_mix(DEFAULT_MIX)) == DEFAULT_MIX
    assert parse_mix("home=1, case=0") == {"home": 1, "case": 0}
    for bad, message in [("home=x", "whole number"), ("admin=2", "no page 'admin'"), ("home=0", "at least one"),
                         ("home=-1", "negative")]:
        with pytest.raises(LoadError, match=message):
            parse_mix(bad)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_two_second_load_of_signed_in_clients_against_the_live_server_has_no_errors(
        live_server, grading, password):  # noqa: F811
    start_direct_route_case(actor=grading.staff_member.user, subject=grading.staff_member)
    users = [grading.staff_member.user.username, grading.line_manager.user.username, grading.hrbp.user.username]
    # SQLite's in-memory test database is one connection that the live server's threads share, so
    # only PostgreSQL's test server can take concurrent clients.
    clients = 1 if connection.vendor == "sqlite" else 3
    report = run_load(live_server.url, clients=clients, seconds=2, users=users[:clients], password=password,
                      timeout=20)
    assert report.errors == 0, report.text()
    assert {sample.page for sample in report.samples} == set(DEFAULT_MIX)
    assert report.per_second > 0 and report.no_cases == []
    data = report.as_json()
    assert data["overall"]["requests"] == len(report.samples) and data["overall"]["errors"] == 0
    assert set(data["by_login"]) == set(users[:clients])
    assert 2 <= report.seconds < 2 + 20 + 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_login_the_server_refuses_stops_the_load_before_it_starts(live_server, personas):
    with pytest.raises(LoadError, match="Signing in as sam.patel failed"):
        run_load(live_server.url, clients=1, seconds=1, users=["sam.patel"], password="not-the-password")


BUSY = ("import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
        "print('done', flush=True); time.sleep(30)")


def test_the_servers_cpu_time_is_read_from_the_processes_below_it():
    # A master (here a plain Python) whose one worker burns 0.3 s of CPU and stays alive.
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY!r}])"
    master = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert master.stdout.readline().strip() == "done"
        assert 0.25 <= process_tree_cpu_seconds(master.pid) < 1.5  # the worker's, not the master's own
    finally:
        os.killpg(master.pid, signal.SIGKILL)
        master.wait()
    with pytest.raises(LoadError, match="There is no process"):
        check_server_pid(2**22 + 17)

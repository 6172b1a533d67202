"""The web server's warm-up: it never stops a server from starting, and gunicorn serves with it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from gradepath.config import gunicorn as gunicorn_settings
from gradepath.config.warmup import STEPS


def _env(data_dir) -> dict[str, str]:
    # An empty data directory and its own SQLite file: no tables, no matching index, no data.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GRADEPATH_WEB_WORKERS")}
    env.update(GRADEPATH_DATA_DIR=str(data_dir), GRADEPATH_PLAIN_STATIC="true")
    return env


def test_the_warm_up_runs_without_a_database_an_index_or_data(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import json, django, os;"
         "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gradepath.config.settings');"
         "from gradepath.config.warmup import warm_up; print(json.dumps(warm_up(lambda m: None, lambda m: None)))"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(outcome) == [name for name, _ in STEPS]
    assert outcome["matching index"].startswith("skipped")  # no tables yet: logged, not fatal
    assert outcome["URLs and views"].endswith("URLs") and outcome["templates"].endswith("templates")
    assert outcome["first tracked changes"] == "2 sections compared"  # the title and the duties
    assert outcome["first request"] == "login page 200"


def test_workers_are_sized_to_the_machine():
    assert gunicorn_settings.default_workers(2) == 5
    assert gunicorn_settings.default_workers(1) == 3
    assert gunicorn_settings.default_workers(64) == gunicorn_settings.MAX_DEFAULT_WORKERS
    assert gunicorn_settings.preload_app is True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("workers", ["1"])
def test_gunicorn_with_gradepaths_settings_warms_up_then_serves(tmp_path, workers):
    port = _free_port()
    env = _env(tmp_path) | {"GRADEPATH_BIND": f"127.0.0.1:{port}", "GRADEPATH_WEB_WORKERS": workers}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:gradepath.config.gunicorn"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:  # noqa: S310
                    status = response.status
            except OSError:
                time.sleep(0.3)
        assert status == 200, log.read_text()
        text = log.read_text()
        # Warmed in the master before the port opened and before any worker was forked.
        assert text.index("Warm-up done") < text.index("Listening at") < text.index("Booting worker")
        assert "Warm-up: matching index: skipped" in text
    finally:
        server.terminate()
        server.wait(timeout=30)

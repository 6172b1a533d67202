"""Gunicorn settings for Gradepath: production, the demo and the load test.

    gunicorn -c python:gradepath.config.gunicorn

serves ``gradepath.config.wsgi:application`` on ``GRADEPATH_BIND`` (default 127.0.0.1:8000)
with the application loaded once in the master (``preload_app``) and warmed there before any
worker is forked and before the port is opened (:func:`gradepath.config.warmup.warm_up`: the
views, the lazily imported modules, the templates, the matching index, a first tracked-changes
comparison, the locale's formats, one request through the middleware). The workers share that
memory, so their first request no longer pays seconds of imports and loading (only its own
database connection). Any option given on gunicorn's command line wins over this file
(``--bind``, ``--workers``...).

Sized to the machine: ``2 × cores + 1`` synchronous workers (at most ``MAX_DEFAULT_WORKERS``),
or ``GRADEPATH_WEB_WORKERS``; ``GRADEPATH_WEB_THREADS`` above 1 switches to threaded workers
(``gthread``) with that many threads each. With preloading, ``kill -HUP`` does not load new
code: restart the master to deploy.
"""

from __future__ import annotations

import os

MAX_DEFAULT_WORKERS = 12


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise SystemExit(f"{name} must be at least 1.")
    return number


def default_workers(cores: int | None = None) -> int:
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


wsgi_app = "gradepath.config.wsgi:application"
bind = [os.environ.get("GRADEPATH_BIND", "127.0.0.1:8000")]
workers = _int("GRADEPATH_WEB_WORKERS", default_workers())
threads = _int("GRADEPATH_WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
preload_app = True
timeout = _int("GRADEPATH_WEB_TIMEOUT", 60)
graceful_timeout = 20
keepalive = 5
loglevel = os.environ.get("GRADEPATH_WEB_LOG_LEVEL", "info")
# No control socket: it sits at one path per user, so a second server on the machine (the demo
# beside a load test) would take the first one's; Gradepath does not use gunicornc.
control_socket_disable = True
if os.path.isdir("/dev/shm"):  # noqa: S108 - workers' heartbeat files in memory, not on a slow disk
    worker_tmp_dir = "/dev/shm"  # noqa: S108


def on_starting(server) -> None:
    """In the master, after the application was preloaded and before the port opens: warm it."""
    from gradepath.config.warmup import warm_up

    warm_up(server.log.info, server.log.warning)

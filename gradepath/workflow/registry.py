"""The processes the engine knows: each registers its :class:`~gradepath.workflow.process.Process`
in its ``AppConfig.ready()``; the inbox, the docs generator and the reminders read them from here."""

from __future__ import annotations

from gradepath.workflow.process import Process

_processes: dict[str, Process] = {}


def register_process(process: Process) -> Process:
    """Register ``process`` (again: the same name replaces it, so reloading is harmless)."""
    _processes[process.name] = process
    return process


def get_process(name: str) -> Process:
    return _processes[name]


def processes() -> list[Process]:
    return list(_processes.values())


def process_for_model(model) -> Process | None:
    return next((p for p in _processes.values() if p.model is model or isinstance(model, p.model)), None)

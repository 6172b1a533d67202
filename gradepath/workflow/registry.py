"""The processes the engine knows: each registers its :class:`~gradepath.workflow.process.Process`
in its ``AppConfig.ready()``; the inbox, the docs generator and the reminders read them from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradepath.core.registry import contributions, register
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


# --- Starting one process's object from another ------------------------------------------------------


@dataclass(frozen=True)
class Starter:
    """How a process lets another start one of its objects without importing it (processes are
    independent). ``key`` names what is started ("grading.regrading_check"); ``start(**kwargs)`` is the
    starting process's own service (permission, state, lock, history, tasks), its keyword arguments
    documented where it is registered; ``order`` is there for the registry's sort."""

    key: str
    start: Callable[..., Any]
    order: int = 0


def register_starter(starter: Starter) -> Starter:
    register("starters", starter)
    return starter


def get_starter(key: str) -> Starter:
    """The starter registered under ``key`` (LookupError when its process is not installed)."""
    found = next((s for s in contributions("starters") if s.key == key), None)
    if found is None:
        raise LookupError(f"No process starts {key!r}.")
    return found

"""seed_demo's running order: every app builds its own share of the demo city or the benchmark city.

Each app with demo data has a `demo.py` with `seed(context, scale)`; `run()`
calls them in INSTALLED_APPS order, which is the order of dependencies (core,
accounts, orgs, members, rosters, then the campaign apps), so a step finds in
the shared `DemoContext` what the apps below it made: the organisations, the
branches that take members, the users.  A step that must come after every
later app's data (a reorganisation that should move their rows too) hands a
function to `context.later()`.

Scales: `demo`, a few districts, ~150 branches, ~5,000 members and a user for
every role; `city`, the seed-000 shape of DOMAIN §1 (40 districts/counties, 23
city departments, 3,247 grassroots committees, 2,744 general branches, 52,154
branches, ~1.5 million members), bulk-inserted.  A demo module may also define
`logins()` (the demo logins table) and `loaded()` (what of its data the
database already holds, '' when nothing: seed_demo then refuses or, with
--if-empty, does nothing).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any, Literal

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule

DEMO_PASSWORD = "vanguard2026"
DEFAULT_SEED = 2005
CITY_MEMBERS = 1_500_000

Scale = Literal["demo", "city"]


@dataclass
class DemoLogin:
    username: str
    role: str
    organisation: str


@dataclass
class DemoContext:
    """What the steps hand on to the steps of the apps above them.

    `organisations` names the places later steps use ("city", "district",
    "neighbour", "branch": see orgs.demo); `branches` are the organisations
    that take members, in a fixed order; `users` are the demo users by user name.
    """

    scale: Scale
    seed: int = DEFAULT_SEED
    member_target: int = CITY_MEMBERS  # members at the city scale
    progress: Callable[[str], None] = print
    organisations: dict[str, Any] = field(default_factory=dict)
    branches: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    _later: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def later(self, step: Callable[[], None]) -> None:
        """Run `step` once every app's step has run (in the order handed over)."""
        self._later.append(step)


def demo_modules() -> list[ModuleType]:
    """The installed apps' `demo` modules, in INSTALLED_APPS (dependency) order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if name != __name__ and module_has_submodule(config.module, "demo"):  # this module only runs the steps
            found.append(import_module(name))
    return found


@transaction.atomic
def run(
    scale: Scale,
    *,
    seed: int = DEFAULT_SEED,
    member_target: int = CITY_MEMBERS,
    progress: Callable[[str], None] = print,
) -> DemoContext:
    """Every app's step at `scale`, in one transaction: a run that fails leaves the database as it was."""
    context = DemoContext(scale=scale, seed=seed, member_target=member_target, progress=progress)
    for module in demo_modules():
        step = getattr(module, "seed", None)
        if step is not None:
            step(context, scale)
    for step in context._later:
        step()
    return context


def logins() -> list[DemoLogin]:
    """The demo logins table, from the apps that keep users (accounts)."""
    return [login for module in demo_modules() if hasattr(module, "logins") for login in module.logins()]


def loaded() -> list[str]:
    """What the database already holds, as the apps word it ("organisations")."""
    held = (module.loaded() for module in demo_modules() if hasattr(module, "loaded"))
    return [what for what in held if what]


@contextlib.contextmanager
def parallel_map(chunks: int) -> Iterator[Callable]:
    """An ordered, lazy map over worker processes forked from this one, for city-scale generation.

    The built-in map where forking is impossible or pointless (one chunk, one
    core).  Forked workers inherit the configured settings (the encryption key
    above all) and must never use the database connection they also inherit.
    """
    processes = min(os.cpu_count() or 1, chunks)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield map
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap

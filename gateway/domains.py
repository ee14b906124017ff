"""The one list of domains, and what each domain declares about itself.

Every domain package has a `domain.py` with one `DOMAIN = Domain(...)`: its tortoise app
(models and migrations), blueprints, CLI commands, demo seeder, console templates, jobs and the
permissions its roles hold. `DOMAINS` below names the packages, in order (the order of the demo
seeders and of mounting). The app factory, the CLI, the job discovery and the console read
this list; adding a domain is one line here.

Declarations hold module names as strings and are imported lazily, so reading the list imports
no domain code and `gateway` imports no domain at module level.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# The packages that declare a domain (each has `<package>.domain.DOMAIN`), in seeding order:
# organisation data and staff first, then what refers to them.
DOMAINS: tuple[str, ...] = (
    "gateway",
    "gateway.jobs",
    "gateway.review",
    "mini_program.catalogue",
    "mini_program.account",
    "matrix",
    "mini_program.notify",
    "mini_program.applications",
    "broadcast",
    "mini_program.hall",
    "mini_program.open_days",
    "push",
    "mini_program.consultations",
)


@dataclass(frozen=True)
class Domain:
    """What one domain brings to the app. Module names are strings, imported when needed."""

    # The tortoise app label (also the domain's name in logs); unique across domains.
    name: str
    # Modules with tortoise models, and the package holding this app's committed migrations.
    models: tuple[str, ...] = ()
    migrations: str | None = None
    # Modules exposing a Sanic blueprint (or blueprint group) `bp`, mounted in this order.
    blueprints: tuple[str, ...] = ()
    # Modules exposing `commands: list[click.Command]` for the `govmatrix` command.
    commands: tuple[str, ...] = ()
    # "module:function" run by `seed-demo`: `async def seed(*, progress) -> str` (idempotent).
    demo: tuple[str, ...] = ()
    # Modules registering job handlers (`@job`, `@periodic`); imported by every worker.
    jobs: tuple[str, ...] = ()
    # Packages whose `templates/` directory holds console pages (`<domain>/<page>.html`).
    templates: tuple[str, ...] = ()
    # Role value → permissions this domain grants that role ("<area>.<verb>" or "<area>.*").
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)


@cache
def all_domains() -> tuple[Domain, ...]:
    """Every declared domain, in the order of DOMAINS."""
    found: list[Domain] = []
    for package in DOMAINS:
        module = importlib.import_module(f"{package}.domain")
        domain = module.DOMAIN
        if not isinstance(domain, Domain):
            raise TypeError(f"{package}.domain.DOMAIN is not a gateway.domains.Domain")
        if any(d.name == domain.name for d in found):
            raise ValueError(f"two domains are named {domain.name!r}")
        found.append(domain)
    return tuple(found)


def model_apps() -> dict[str, dict[str, Any]]:
    """tortoise apps: label → {"models": [...], "migrations": "..."} for domains with models."""
    return {
        d.name: {"models": list(d.models), "migrations": d.migrations}
        for d in all_domains()
        if d.models
    }


def blueprint_modules() -> list[str]:
    return [m for d in all_domains() for m in d.blueprints]


def command_modules() -> list[str]:
    return [m for d in all_domains() for m in d.commands]


def demo_seeders() -> list[str]:
    return [s for d in all_domains() for s in d.demo]


def job_modules() -> list[str]:
    return [m for d in all_domains() for m in d.jobs]


def template_dirs() -> list[Path]:
    """Each declared package's `templates/` directory, in domain order."""
    dirs: list[Path] = []
    for package in (p for d in all_domains() for p in d.templates):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"templates package {package!r} is not a package")
        path = Path(next(iter(spec.submodule_search_locations))) / "templates"
        if path.is_dir():
            dirs.append(path)
    return dirs


@cache
def granted_permissions() -> dict[str, frozenset[str]]:
    """Role value → every permission the domains grant it."""
    grants: dict[str, set[str]] = {}
    for domain in all_domains():
        for role, perms in domain.permissions.items():
            grants.setdefault(role, set()).update(perms)
    return {role: frozenset(perms) for role, perms in grants.items()}

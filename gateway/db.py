"""Database set-up: tortoise config for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections


def normalise_url(url: str) -> str:
    """Accept postgresql:// spellings and make SQLite wait for locks instead of failing."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and url != "sqlite://:memory:":
        path = url.removeprefix("sqlite://").split("?", 1)[0]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if "busy_timeout" not in url:
            url += ("&" if "?" in url else "?") + "busy_timeout=10000"
        # WAL with synchronous=NORMAL survives a crash of the app (not of the OS) and turns
        # each commit from an fsync into a write: the difference for callbacks under load.
        if "synchronous" not in url:
            url += "&synchronous=NORMAL"
    return url


def tortoise_config(url: str, model_apps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Build tortoise's config: one tortoise app per domain, each with its own migrations.

    model_apps maps a label to {"models": [module, ...], "migrations": "package.migrations"}.
    """
    apps = {label: {**spec, "default_connection": "default"} for label, spec in model_apps.items()}
    return {
        "connections": {"default": normalise_url(url)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


def current_dialect() -> str:
    """'sqlite' or 'postgres', for the few queries that differ (full-text search, locking)."""
    conn = connections.get("default")
    name = type(conn).__module__
    return "postgres" if "asyncpg" in name or "psycopg" in name else "sqlite"


def placeholders(count: int, *, start: int = 1, dialect: str | None = None) -> str:
    """Query parameter marks for plain SQL: `$1, $2` on PostgreSQL, `?, ?` on SQLite.

    `start` numbers PostgreSQL's marks after parameters already in the statement; `dialect`
    defaults to the open connection's (pass it to build statements before connecting).
    """
    if (dialect or current_dialect()) == "postgres":
        return ", ".join(f"${n}" for n in range(start, start + count))
    return ", ".join("?" for _ in range(count))


async def init(url: str, model_apps: dict[str, dict[str, Any]]) -> None:
    # Sanic runs listeners and requests in different tasks: use the global context fallback.
    await Tortoise.init(config=tortoise_config(url, model_apps), _enable_global_fallback=True)


async def close() -> None:
    await Tortoise.close_connections()

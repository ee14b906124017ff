"""The `govmatrix` command line.

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import click

from gateway.config import get_settings
from gateway.domains import command_modules, demo_seeders, model_apps

T = TypeVar("T")


def run_async(fn: Callable[[], Awaitable[T]], *, with_db: bool = True) -> T:
    """Run a coroutine function with the database and Redis connected, then close them."""
    from gateway.connections import connected

    async def _main() -> T:
        settings = get_settings()
        database_url = settings.database_url if with_db else None
        async with connected(database_url=database_url, redis_url=settings.redis_url):
            return await fn()

    return asyncio.run(_main())


def fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from gateway.errors import OperatorError

        try:
            return super().invoke(ctx)
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Commands)
def main() -> None:
    """govmatrix: the county's mini-program and new-media matrix backend."""
    try:
        get_settings()
    except ValueError as exc:
        # pydantic's ValidationError is a ValueError; show the reason, not a traceback.
        errors = getattr(exc, "errors", None)
        reasons = [e.get("msg", "") for e in errors()] if callable(errors) else [str(exc)]
        fail("configuration error: " + "; ".join(r.removeprefix("Value error, ") for r in reasons))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Debug mode with auto-reload (never in production).")
@click.option("--single-process", is_flag=True, help="Run without the process manager.")
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Run a job worker process alongside (default: on in development only).",
)
def serve(
    host: str, port: int, workers: int, dev: bool, single_process: bool, worker: bool | None
) -> None:
    """Serve the HTTP API and console."""
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from gateway.app import create_app

    settings = get_settings()
    if dev and settings.is_production:
        fail("--dev is refused when APP_ENV=production")
    from gateway import supervisor

    supervisor.set_start_timeout(settings.worker_start_timeout)
    loader = AppLoader(factory=partial(create_app, settings))
    app = loader.load()
    if worker is not None:
        app.config.JOBS_WORKER = worker
    app.prepare(
        host=host,
        port=port,
        workers=workers,
        debug=dev,
        auto_reload=dev,
        access_log=dev,
        single_process=single_process,
        motd=False,
    )
    if single_process:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
        if supervisor.gave_up():
            # Non-zero, so systemd's Restart=on-failure starts the service again.
            fail("a worker process kept dying; see the log above", supervisor.GAVE_UP_STATUS)


@main.command()
@click.option("--fake", is_flag=True, help="Mark migrations applied without running them.")
def migrate(fake: bool) -> None:
    """Apply database migrations."""
    from tortoise.migrations.api import migrate as migrate_api

    from gateway.db import tortoise_config

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            click.echo(f"  applied {app_label}.{name}")

    config = tortoise_config(get_settings().database_url, model_apps())

    async def _run() -> None:
        from tortoise import Tortoise

        try:
            await migrate_api(config=config, fake=fake, progress=progress)
        finally:
            await Tortoise.close_connections()

    asyncio.run(_run())
    click.echo("migrations up to date")


@main.command()
@click.argument("labels", nargs=-1)
@click.option("--name", default=None, help="Name of the new migration.")
def makemigrations(labels: tuple[str, ...], name: str | None) -> None:
    """Write migrations for model changes (developers only)."""
    from tortoise.cli import cli as tcli

    from gateway.db import tortoise_config

    config = tortoise_config(get_settings().database_url, model_apps())
    ctx: Any = type("Ctx", (), {})()
    ctx.config, ctx.config_file = None, None

    tcli._load_config = lambda _ctx: _as_tortoise_config(config)  # type: ignore[assignment]
    asyncio.run(tcli.makemigrations(ctx, labels, False, name))


@main.command("seed-demo")
def seed_demo() -> None:
    """Load the demo county (idempotent: a second run changes nothing)."""

    async def _run() -> None:
        for spec in demo_seeders():
            module_name, func_name = spec.split(":")
            seeder = getattr(importlib.import_module(module_name), func_name)
            summary = await seeder(progress=_progress_bar)
            click.echo(f"  {summary}")

    run_async(_run)
    click.echo("demo county loaded")


def _progress_bar(iterable: Any, *, desc: str, total: int | None = None) -> Any:
    """A CLI progress bar on stderr; seeders and importers wrap long loops in it."""
    from tqdm import tqdm

    return tqdm(
        iterable,
        desc=desc,
        total=total,
        leave=False,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
    )


def _as_tortoise_config(config: dict[str, Any]) -> Any:
    from tortoise.config import TortoiseConfig

    return TortoiseConfig.resolve_args(config, None)


def _load_domain_commands() -> None:
    for module_name in command_modules():
        module = importlib.import_module(module_name)
        for command in module.commands:
            main.add_command(command)


_load_domain_commands()


if __name__ == "__main__":
    main()

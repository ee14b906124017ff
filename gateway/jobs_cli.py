"""`govmatrix worker`: run durable jobs (production runs one or more of these per host).

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jobs run at once by this process.",
)
@click.option(
    "--poll-interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds between looks for due jobs when idle.",
)
def worker(concurrency: int, poll_interval: float) -> None:
    """Run background jobs until SIGTERM (running jobs finish first)."""
    from gateway.config import get_settings
    from gateway.jobs.worker import run_worker

    try:
        get_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    run_worker(concurrency=concurrency, poll_interval=poll_interval)


@click.group("jobs")
def jobs_group() -> None:
    """Inspect and retry background jobs."""


@jobs_group.command("list")
@click.option("--state", default=None, help="queued, running, succeeded, failed or dead")
@click.option("--kind", default=None)
@click.option("--limit", default=20, show_default=True)
def list_jobs(state: str | None, kind: str | None, limit: int) -> None:
    """Show the newest jobs."""
    from gateway.cli import run_async
    from gateway.jobs import service

    async def _run() -> None:
        rows, total = await service.list_jobs(state=state, kind=kind, per_page=limit)
        for row in rows:
            click.echo(
                f"{row.id:>8}  {row.kind:<32} {row.state:<10} {row.attempts}/"
                f"{row.max_attempts}  {row.progress:>3}%  {row.run_at:%Y-%m-%d %H:%M}Z"
            )
        click.echo(f"{total} job(s)")

    run_async(_run)


@jobs_group.command("retry")
@click.argument("job_id", type=int)
def retry(job_id: int) -> None:
    """Queue a dead or failed job again."""
    from gateway import audit
    from gateway.cli import run_async
    from gateway.errors import ApiError
    from gateway.jobs import service

    async def _run() -> None:
        try:
            row = await service.retry_job(job_id=job_id)
        except ApiError as exc:
            raise click.ClickException(exc.message) from exc
        await audit.record(
            actor_id=None,
            actor_name="cli",
            action="jobs.retry",
            target_type="job",
            target_id=job_id,
            detail={"kind": row.kind},
        )
        click.echo(f"job {row.id} queued again")

    run_async(_run)


commands = [worker, jobs_group]

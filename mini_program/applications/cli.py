"""`govmatrix applications ...`: recompute stored deadlines, show the calendar they follow."""

from __future__ import annotations

import click


@click.group("applications")
def applications() -> None:
    """Disclosure applications (依申请公开)."""


@applications.command("recompute-deadlines")
@click.option("--all", "everything", is_flag=True, help="Every application, not only stale ones.")
@click.option("--queue", is_flag=True, help="Queue the job for the workers instead of running it.")
def recompute_deadlines(everything: bool, queue: bool) -> None:
    """Recompute stored deadlines with the current working-day calendar.

    Workers do this on their own within minutes of `govmatrix calendar load`; run it by hand
    to see it finish at once.
    """
    from gateway.cli import run_async  # gateway.cli loads this module: import it late
    from mini_program.applications import service

    async def _run() -> str:
        if queue:
            job = await service.schedule_recompute(force=True)
            return f"queued job {job.id if job else '-'} (see `govmatrix jobs list`)"

        async def progress(pct: int, message: str) -> None:
            click.echo(f"  {pct:3d}%  {message}", err=True)

        result = await service.recompute_deadlines(progress=progress, everything=everything)
        return (
            f"recomputed {result['recomputed']} application(s), {result['changed']} changed,"
            f" {result['still_missing_calendar']} still waiting for a calendar year"
            f" (calendar {result['calendar']})"
        )

    click.echo(run_async(_run))


@applications.command("calendar-status")
def calendar_status() -> None:
    """Loaded calendar years and whether stored deadlines follow them."""
    from gateway.cli import run_async
    from mini_program.applications import service

    status = run_async(service.calendar_status)
    click.echo(f"years loaded: {', '.join(str(y) for y in status['years'])}")
    click.echo(f"calendar fingerprint: {status['fingerprint']}")
    click.echo(f"deadlines recomputed with: {status['recomputed_with'] or '-'}")
    click.echo(
        f"stale: {status['stale']}, waiting for a calendar year: {status['missing_calendar']}"
    )


commands = [applications]

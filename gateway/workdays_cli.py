"""`govmatrix calendar ...`: the working-day calendar (holidays and make-up working days)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from gateway import workdays


@click.group("calendar")
def calendar() -> None:
    """Holidays and make-up working days (调休), one JSON file per year."""


@calendar.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Validate a year's calendar file and install it (running processes see it within seconds)."""
    try:
        cal = workdays.load_file(path)
    except workdays.CalendarError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    click.echo(
        f"{cal.year}: {len(cal.holidays)} holidays, {len(cal.workdays)} make-up working days"
        f" installed in {workdays.local_dir()}"
    )


@calendar.command("show")
@click.argument("year", type=int)
def show(year: int) -> None:
    """List a year's rest days that fall on weekdays and its working weekends."""
    if not workdays.has_calendar(year):
        raise click.ClickException(f"no calendar for {year}: only weekends count as rest days")
    day = date(year, 1, 1)
    while day.year == year:
        weekend = day.weekday() >= 5
        working = workdays.is_workday(day)
        if weekend and working:
            click.echo(f"{day}  上班（调休）")
        elif not weekend and not working:
            click.echo(f"{day}  放假  {workdays.default_calendar().holiday_name(day) or ''}")
        day = date.fromordinal(day.toordinal() + 1)


commands = [calendar]

"""Catalogue commands for the `govmatrix` command line.

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

import click


def _screen() -> tuple[int, int]:
    # A terminal that reports no size (`script`, some web consoles) says 0x0, and tqdm hides
    # a bar that does not fit: assume a usual window instead.
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        columns, lines = size.columns, size.lines
    except (OSError, ValueError):
        columns, lines = 0, 0
    return min(columns or 100, 120), lines or 24


class _Progress:
    """One progress bar over every row of the workbook; the current sheet shown beside it.

    Drawn only on a terminal (a log file would fill with redraws) and left on screen at the
    end, so even a fast import shows that every row was seen.
    """

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, iterable: Iterable[Any], *, desc: str, total: int | None = None) -> Any:
        from tqdm import tqdm

        if self.bar is None:
            columns, lines = _screen()
            self.bar = tqdm(
                total=total,
                desc="导入目录",
                unit="行",
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
                ncols=columns,
                nrows=lines,
            )
        self.bar.set_postfix_str(desc.removeprefix("导入 "), refresh=False)
        for row in iterable:
            yield row
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command("import-catalog")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--domain", "domain_name", default=None, help="Domain name for every sheet (领域名称)."
)
def import_catalog(file: str, domain_name: str | None) -> None:
    """Import a catalogue workbook (.xlsx): creates new items, updates existing ones."""
    from gateway.cli import run_async
    from mini_program.catalogue import text
    from mini_program.catalogue.importer import CatalogueFileError, import_catalogue

    text.load()

    progress = _Progress()

    async def _run() -> Any:
        return await import_catalogue(path=file, domain_name=domain_name, progress=progress)

    try:
        report = run_async(_run)
    except CatalogueFileError as exc:
        progress.close()
        click.secho(f"导入失败：{exc.message}（未做任何修改）", fg="red", err=True)
        sys.exit(2)
    progress.close()
    for problem in report.problems:
        click.secho(str(problem), fg="yellow", err=True)
    click.echo(report.summary)


commands = [import_catalog]

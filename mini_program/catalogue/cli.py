"""Catalogue commands for the `govmatrix` command line."""

from __future__ import annotations

import sys
from typing import Any

import click


def _progress(iterable: Any, *, desc: str, total: int | None = None) -> Any:
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr,
                disable=not sys.stderr.isatty())  # fmt: skip


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

    async def _run() -> Any:
        return await import_catalogue(path=file, domain_name=domain_name, progress=_progress)

    try:
        report = run_async(_run)
    except CatalogueFileError as exc:
        click.secho(f"导入失败：{exc.message}（未做任何修改）", fg="red", err=True)
        sys.exit(2)
    for problem in report.problems:
        click.secho(str(problem), fg="yellow", err=True)
    click.echo(report.summary)


commands = [import_catalog]

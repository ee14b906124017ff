"""`govmatrix broadcast ...`: speakable text, measuring a file, document audio in advance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.group("broadcast")
def broadcast_group() -> None:
    """Village loudspeakers: speakable text, audio files."""


@broadcast_group.command("speakable")
@click.argument("text")
def speakable_command(text: str) -> None:
    """Print TEXT as it would be spoken (numbers, dates, phone numbers... read out)."""
    from broadcast.speakable import speakable

    spoken = speakable(text)
    if not spoken:
        raise click.ClickException("没有可朗读的内容")
    click.echo(spoken)


@broadcast_group.command("measure")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def measure_command(path: Path) -> None:
    """Decode an audio file and print its loudness (LUFS), true peak and duration."""
    from broadcast.audio.mix import AudioError, measure
    from broadcast.settings import get_broadcast_settings

    try:
        found = asyncio.run(measure(path, get_broadcast_settings()))
    except AudioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{found.lufs:.1f} LUFS, true peak {found.true_peak:.1f} dBTP, {found.seconds:.2f} s, "
        f"{found.codec} {found.sample_rate} Hz {found.channels}"
    )


@broadcast_group.command("listen-audio")
@click.option("--document", "document_ids", type=int, multiple=True, help="Only these documents.")
def listen_audio(document_ids: tuple[int, ...]) -> None:
    """Queue the residents' "listen" audio of every catalogue document (or the given ones)."""
    from gateway.cli import run_async

    async def _run() -> None:
        from broadcast.service.listen import document_audio
        from gateway.errors import NotFound
        from mini_program.catalogue import service as catalogue

        ids = list(document_ids)
        if not ids:
            page = 1
            while True:
                found = await catalogue.list_documents(page=page, page_size=50)
                ids += [d["id"] for d in found["items"]]
                if page * 50 >= found["total"]:
                    break
                page += 1
        states: dict[str, int] = {}
        for document_id in ids:
            try:
                audio, _ = await document_audio(document_id=document_id)
            except NotFound:
                click.echo(f"document {document_id}: not found", err=True)
                continue
            states[str(audio.state)] = states.get(str(audio.state), 0) + 1
        click.echo(f"{len(ids)} document(s): " + ", ".join(f"{k} {v}" for k, v in states.items()))

    run_async(_run)


commands = [broadcast_group]

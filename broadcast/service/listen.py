"""Residents' "listen": every catalogue document as speech, made again when it changes.

The audio is keyed by the document's spoken text (title, number, running text) and the sound
settings, so an edited document asks for a new file and an unchanged one is made once for
everyone. A resident's player asks for many byte ranges of one file; the document's audio is
remembered for a few seconds per process so those requests do not re-read the document.
"""

from __future__ import annotations

import time

from broadcast.models import Audio, AudioState
from broadcast.service.audio import request_audio, stored_file
from broadcast.settings import get_broadcast_settings
from broadcast.speakable import speakable
from broadcast.speakable.source import document_text
from gateway.errors import NotFound

RESOLVED_TTL = 10.0
MAX_RESOLVED = 2000
_resolved: dict[int, tuple[float, int, str]] = {}


async def document_audio(*, document_id: int) -> tuple[Audio, str]:
    """The audio of a document (queued for making when new) and the document's title."""
    from mini_program.catalogue import service as catalogue

    hit = _resolved.get(document_id)
    if hit is not None and time.monotonic() - hit[0] < RESOLVED_TTL:
        audio = await Audio.get_or_none(id=hit[1])
        if audio is not None and stored_file(audio) is not None:
            return audio, hit[2]
    doc = await catalogue.get_document(document_id=document_id)
    spoken = speakable(document_text(title=doc["title"], doc_no=doc["doc_no"], body=doc["body"]))
    if not spoken:
        raise NotFound("这份文件没有可朗读的文字", code="nothing_to_read")
    settings = get_broadcast_settings()
    audio = await request_audio(
        spoken_text=spoken, cpm=settings.listen_rate, repeats=1, chime=False
    )
    if audio.state == AudioState.READY:
        if len(_resolved) >= MAX_RESOLVED:
            _resolved.clear()
        _resolved[document_id] = (time.monotonic(), audio.id, doc["title"])
    return audio, doc["title"]

"""Residents' "listen": every catalogue document as speech, made again when it changes.

The audio is keyed by the document's spoken text (title, number, running text) and the sound
settings, so an edited document asks for a new file and an unchanged one is made once for
everyone. A resident's player asks for many byte ranges of one file: each request reads the
document (so an edit shows at once) but the normalising of an unchanged text is remembered
per process.
"""

from __future__ import annotations

import hashlib

from broadcast.models import Audio
from broadcast.service.audio import request_audio
from broadcast.settings import get_broadcast_settings
from broadcast.speakable import speakable
from broadcast.speakable.source import document_text
from gateway.errors import NotFound

MAX_REMEMBERED = 2000
# sha1 of the document's text -> its spoken text
_spoken: dict[str, str] = {}


def spoken_document(*, title: str, doc_no: str | None, body: str) -> str:
    """What a document's listen says (remembered per text: normalising takes milliseconds)."""
    written = document_text(title=title, doc_no=doc_no, body=body)
    digest = hashlib.sha1(written.encode(), usedforsecurity=False).hexdigest()
    spoken = _spoken.get(digest)
    if spoken is None:
        if len(_spoken) >= MAX_REMEMBERED:
            _spoken.clear()
        spoken = _spoken[digest] = speakable(written)
    return spoken


async def document_audio(*, document_id: int) -> tuple[Audio, str]:
    """The audio of a document (queued for making when new) and the document's title."""
    from mini_program.catalogue import service as catalogue

    doc = await catalogue.get_document(document_id=document_id)
    spoken = spoken_document(title=doc["title"], doc_no=doc["doc_no"], body=doc["body"])
    if not spoken:
        raise NotFound("这份文件没有可朗读的文字", code="nothing_to_read")
    audio = await request_audio(
        spoken_text=spoken, cpm=get_broadcast_settings().listen_rate, repeats=1, chime=False
    )
    return audio, doc["title"]

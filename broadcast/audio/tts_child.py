"""The speech child: pyttsx3 driving espeak-ng, one process per synthesis, never in a server.

Run as `python -m broadcast.audio.tts_child`. It reads one JSON request on stdin
({"voice", "rate", "pieces": [{"text", "path"}, ...]}), writes each piece to its WAV file in
order and reports every finished piece as one JSON line on stdout ({"piece": i, "seconds": s}).

pyttsx3's espeak driver is not thread-safe and its `runAndWait()` returns before the file is
written (espeak-ng synthesises on its own thread and the driver writes the WAV from its
callback), so each piece waits for the driver's "finished-utterance" and for espeak-ng to go
idle before the next starts. The parent enforces the timeout and verifies every file; this
process also dies with its parent (PR_SET_PDEATHSIG) so a killed worker leaves no speech
process behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import threading
import time
import wave
from typing import Any, TextIO

PIECE_WAIT_SECONDS = 120.0


def _die_with_parent() -> None:
    # Linux: SIGKILL this process when the worker that started it dies, even by SIGKILL.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        os._exit(3)


def _seconds(path: str) -> float:
    try:
        with wave.open(path, "rb") as wav:
            return wav.getnframes() / float(wav.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return 0.0


class Speaker:
    """One pyttsx3 engine, used from this thread only."""

    def __init__(self, voice: str, rate: int) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        self.engine = pyttsx3.init("espeak")
        self.done = threading.Event()
        self.engine.connect("finished-utterance", self._finished)
        self.engine.setProperty("voice", voice)
        self.engine.setProperty("rate", rate)

    def _finished(self, name: Any = None, completed: bool = True) -> None:
        self.done.set()

    def _idle(self, deadline: float) -> None:
        while self._espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.002)

    def say_to_file(self, text: str, path: str) -> float:
        # No retry here: espeak-ng's output depends on the utterances before it in the same
        # process, so a retried piece would make a file unlike an uninterrupted run's. The
        # parent checks every piece and runs a fresh child instead.
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        deadline = time.monotonic() + PIECE_WAIT_SECONDS
        self._idle(deadline)
        self.done.clear()
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()
        self.done.wait(max(0.0, deadline - time.monotonic()))
        self._idle(deadline)
        return _seconds(path)


def run(request: dict[str, Any], out: TextIO) -> int:
    speaker = Speaker(str(request["voice"]), int(request["rate"]))
    for index, piece in enumerate(request["pieces"]):
        seconds = speaker.say_to_file(str(piece["text"]), str(piece["path"]))
        out.write(json.dumps({"piece": index, "seconds": round(seconds, 3)}) + "\n")
        out.flush()
    return 0


def main() -> int:
    _die_with_parent()
    request = json.loads(sys.stdin.read())
    # pyttsx3 prints "Audio saved to ..." on stdout; the protocol owns the real stdout.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    try:
        return run(request, protocol)
    finally:
        protocol.close()


if __name__ == "__main__":
    sys.exit(main())

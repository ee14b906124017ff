"""A stand-in for the speech child that misbehaves on purpose, to show what the pipeline does
when the real one does (run as APP_BROADCAST_TTS_COMMAND="python -m tests.broadcast.fake_tts
MODE"). It speaks the same protocol: one JSON request on stdin, one line per piece.

Modes: hang (never answers), silent (writes silence of the right length), truncated (writes
a tenth of the speech), clipped (real speech missing its last 0.8 s, as a lost final buffer
would leave it: plausible for its length, shorter than espeak-ng says), crash (exits),
clipped-once MARKER (clipped the first time, when MARKER does not exist yet; afterwards the
real child, as when one run of pyttsx3 loses a buffer and the next does not).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import wave
from pathlib import Path

RATE = 22050


def write(path: str, seconds: float, amplitude: int) -> None:
    frames = int(seconds * RATE)
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        sample = amplitude.to_bytes(2, "little", signed=True)
        quiet = (0).to_bytes(2, "little", signed=True)
        out.writeframes(b"".join(sample if i % 50 < 25 else quiet for i in range(frames)))


def clipped(text: str, path: str, request: dict) -> float:
    spoken = subprocess.run(
        ["espeak-ng", "-v", request["voice"].removeprefix("sit/"), "-s", str(request["rate"]),
         "--stdout", "--stdin"],
        input=text.encode(), capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = spoken[44:][: max(0, len(spoken) - 44 - int(0.8 * RATE) * 2)]
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return len(frames) / 2 / RATE


def main() -> int:
    mode = sys.argv[1]
    raw = sys.stdin.read()
    request = json.loads(raw)
    if mode == "clipped-once":
        marker = Path(sys.argv[2])
        if marker.exists():
            real = [sys.executable, "-m", "broadcast.audio.tts_child"]
            return subprocess.run(real, input=raw.encode(), check=False).returncode
        marker.touch()
        mode = "clipped"
    if mode == "hang":
        time.sleep(3600)
    if mode == "crash":
        print("espeak: voice not found", file=sys.stderr)
        return 2
    for index, piece in enumerate(request["pieces"]):
        seconds = max(0.5, len(piece["text"]) * 60 / 200)
        if mode == "silent":
            write(piece["path"], seconds, 0)
        elif mode == "truncated":
            write(piece["path"], seconds / 10, 8000)
        elif mode == "clipped":
            seconds = clipped(piece["text"], piece["path"], request)
        print(json.dumps({"piece": index, "seconds": seconds}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

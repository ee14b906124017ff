"""Settings of the loudspeaker audio (APP_BROADCAST_* variables, the same .env as the app).

Kept in this domain rather than gateway/config.py: nothing else reads them. Everything that
changes the sound (voice, format, loudness, pauses) is part of an audio file's content key, so
changing a setting makes new files rather than serving old ones under new promises.
"""

from __future__ import annotations

import shlex
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.config import get_settings


class BroadcastSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_BROADCAST_", env_file=".env", extra="ignore")

    # espeak-ng's Mandarin voice that reads Latin text as pinyin. `sit/cmn` ("latin as
    # English") reads espeak-ng 1.51's own pinyin for many characters as English words.
    voice: str = "sit/cmn-latn-pinyin"
    # Emergency-broadcast terminals take MP3 or WAV; MP3 mono 44.1 kHz is the safe default.
    audio_format: Literal["mp3", "wav"] = "mp3"
    bitrate_kbps: int = Field(64, ge=32, le=320)
    sample_rate: int = Field(44100, ge=8000, le=48000)
    # LAME's speed/quality trade-off (0 best and slowest, 9 fastest); 7 is fine for speech.
    mp3_quality: int = Field(7, ge=0, le=9)
    target_lufs: float = Field(-16.0, ge=-30, le=-10)
    max_true_peak: float = Field(-1.5, ge=-6, le=0)
    # Silence between repeats, and after the chime.
    pause_seconds: float = Field(2.0, ge=0.5, le=10)
    chime_gap_seconds: float = Field(0.6, ge=0, le=5)
    # Residents' "listen" of catalogue documents: characters per minute (no chime, said once).
    listen_rate: int = Field(200, ge=100, le=300)
    # Longest piece handed to the speech engine at once (split at sentence ends before that).
    max_piece_chars: int = Field(160, ge=20, le=1000)
    # The speech child: a command (default: this Python running broadcast.audio.tts_child),
    # killed when it runs past base + per_char × characters seconds.
    tts_command: str = ""
    tts_timeout_base: float = Field(20.0, gt=0)
    tts_timeout_per_char: float = Field(0.05, ge=0)
    # Where made audio lives. Not under APP_MEDIA_DIR: that is served to anyone at /media,
    # and village scripts are served only to their villages (default: <media dir>-broadcast).
    audio_dir: Path | None = None
    # espeak-ng's command line: the reference each pyttsx3 piece's duration is checked against.
    espeak: str = "espeak-ng"
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    ffmpeg_timeout: float = Field(300.0, gt=0)

    def root(self) -> Path:
        if self.audio_dir is not None:
            return self.audio_dir
        media = get_settings().media_dir
        return media.with_name(media.name + "-broadcast")

    def tts_argv(self) -> list[str]:
        if self.tts_command.strip():
            return shlex.split(self.tts_command)
        return [sys.executable, "-m", "broadcast.audio.tts_child"]

    def sound(self) -> dict[str, object]:
        """What decides how a file sounds (part of every audio content key)."""
        return {
            "voice": self.voice,
            "format": self.audio_format,
            "bitrate": self.bitrate_kbps,
            "sample_rate": self.sample_rate,
            "quality": self.mp3_quality,
            "lufs": self.target_lufs,
            "peak": self.max_true_peak,
            "pause": self.pause_seconds,
            "chime_gap": self.chime_gap_seconds,
        }


@lru_cache(maxsize=1)
def get_broadcast_settings() -> BroadcastSettings:
    return BroadcastSettings()  # type: ignore[call-arg]  # values come from the environment

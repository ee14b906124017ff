"""Settings of the consultations domain (APP_CONSULTATIONS_* environment variables)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.config import get_settings

MB = 1024 * 1024


class ConsultationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_CONSULTATIONS_", env_file=".env", extra="ignore"
    )

    # Residents' photos are personal data: kept outside the public /media tree and served
    # only through signed, expiring links. Default: <media dir>/../private/consultations.
    photo_dir: Path | None = None
    max_photos: int = 6
    max_photo_bytes: int = 5 * MB
    # Pillow refuses images above this many pixels (decompression bombs); a 50-megapixel
    # phone photo still passes.
    max_photo_pixels: int = 64_000_000
    # Stored photos are re-encoded to at most this many pixels on the long side.
    photo_long_side: int = 2048
    # Photo links in answers stay valid this long.
    photo_link_seconds: int = 3600
    # Questions a resident may submit per day (double submissions with one client_key count once).
    daily_submissions: int = 20
    # Opinion-call attachments (drafts, explanations) uploaded from the console.
    max_attachment_bytes: int = 20 * MB


@lru_cache(maxsize=1)
def get_consultation_settings() -> ConsultationSettings:
    return ConsultationSettings()


def photo_dir() -> Path:
    configured = get_consultation_settings().photo_dir
    if configured is not None:
        return configured
    return get_settings().media_dir.resolve().parent / "private" / "consultations"

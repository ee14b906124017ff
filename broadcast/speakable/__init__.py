"""Speakable text: the normaliser, the pronunciation list, and text taken from HTML sources."""

from broadcast.speakable.normalise import has_speech, speakable, spoken_length

__all__ = ["has_speech", "speakable", "spoken_length"]

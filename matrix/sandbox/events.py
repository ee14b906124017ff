"""Placeholder: filled in shortly."""

from sanic import Sanic


def resume_pending(app: Sanic) -> None:
    return None

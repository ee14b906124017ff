"""Placeholder: filled in shortly."""

from sanic import Blueprint

bp = Blueprint("sandbox_api_message")

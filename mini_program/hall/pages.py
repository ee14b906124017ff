"""Console pages."""

from sanic import Blueprint

bp = Blueprint("hall_console", url_prefix="/console")

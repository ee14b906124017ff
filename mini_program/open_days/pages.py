"""Console pages."""

from sanic import Blueprint

bp = Blueprint("open_days_console", url_prefix="/console")

"""The matrix's blueprints: admin JSON API and console pages (callbacks: matrix.callback)."""

from sanic import Blueprint

from matrix import api, pages

bp = Blueprint.group(api.bp, pages.bp)

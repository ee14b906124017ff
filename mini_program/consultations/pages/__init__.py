"""Console pages of the consultation queue (and the public answer page), one blueprint group."""

from sanic import Blueprint

from mini_program.consultations.pages import intake, queue, setup

bp = Blueprint.group(queue.bp, intake.bp, setup.bp)

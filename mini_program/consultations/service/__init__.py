"""The consultation queue's services. Views, jobs and tests call these; other domains too.

from mini_program.consultations.service import intake, queue, publish, resident, settings
"""

from mini_program.consultations.service import (
    intake,
    publish,
    queue,
    ratings,
    resident,
    settings,
)

__all__ = ["intake", "publish", "queue", "ratings", "resident", "settings"]

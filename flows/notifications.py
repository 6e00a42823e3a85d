"""What monitoring does when a run finishes: queue the incident check, nothing more.

The run lifecycle calls run_finished() on commit after every finished run. The work
(failure and recovery emails) happens in a Celery task, so a finishing run never waits on
the database queries of the checks or on an SMTP server.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def run_finished(run_id: int) -> None:
    """Queue the incident check for a finished run.

    A broker that cannot take the message must not fail the run that has just been saved:
    the periodic check (every minute) finds the same problems a little later.
    """
    from monitoring.tasks import run_finished_task

    try:
        run_finished_task.delay(run_id)
    except Exception:
        logger.exception("could not queue the incident check for run %s", run_id)

"""Telling the apps above flows that a run has finished, without importing them.

The run lifecycle calls run_finished() on commit after every finished run; it sends the
`run_finished` signal, to which monitoring connects its incident check (monitoring.apps).
A receiver must not fail the run that has just been saved: one that cannot do its work now
(a broker that cannot take a message) is logged, and the periodic check (every minute)
finds the same problems a little later.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with run_id=<the FlowRun's id>.
run_finished_signal = Signal()


def run_finished(run_id: int) -> None:
    """Tell every receiver that the run has finished (errors are logged, never raised)."""
    run_finished_signal.send_robust(sender=None, run_id=run_id)

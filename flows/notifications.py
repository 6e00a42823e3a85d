"""What monitoring does when a run finishes (failure and recovery emails come here)."""

from __future__ import annotations


def run_finished(run_id: int) -> None:
    """Hook for failure and recovery notices; filled in by the monitoring work."""

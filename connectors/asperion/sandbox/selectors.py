"""Reads: which administration a request acts on, and the rows of one administration."""

from __future__ import annotations

from connectors.asperion.sandbox.models import Administration, SandboxUser

# Ids arrive from headers and paths; beyond this a database lookup overflows (SQLite, bigint).
MAX_DB_ID = 2**63 - 1


def administration_default(*, user: SandboxUser) -> Administration | None:
    """Return the user's default administration (or the oldest one when none is marked)."""
    return user.administrations.order_by("-is_default", "pk").first()


def administration_for(*, user: SandboxUser, administration_id: int) -> Administration | None:
    """Return the administration when this user may see it; None otherwise."""
    if not 0 < administration_id <= MAX_DB_ID:
        return None
    return user.administrations.filter(pk=administration_id).first()

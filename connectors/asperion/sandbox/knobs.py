"""Which knobs apply: the sandbox user's, overridden field by field by the administration's."""

from __future__ import annotations

from connectors.asperion.sandbox.models import Administration, SandboxUser
from connectors.sandboxkit.knobs import Knobs


def knobs_for(user: SandboxUser, administration: Administration | None) -> Knobs:
    merged = {**(user.knobs or {}), **((administration.knobs if administration else None) or {})}
    return Knobs.load(merged)

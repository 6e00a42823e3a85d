"""The platform's own sandboxes as a fast test double: demo logins without rate limits."""

from __future__ import annotations

from connectors.models import Connection


def unthrottled_sandboxes() -> None:
    """Lift the demo logins' realistic rate limits, so that each run takes seconds."""
    from connectors.asperion.sandbox.seed import ensure_demo_user
    from connectors.feeddex.sandbox.seed import ensure_demo_account
    from connectors.sandboxkit.knobs import Knobs

    unlimited = Knobs(rate_per_second=0, rate_per_minute=0).dump()
    user, _client = ensure_demo_user()
    user.knobs = unlimited
    user.save(update_fields=["knobs"])
    account = ensure_demo_account()
    account.knobs = unlimited
    account.save(update_fields=["knobs"])


def unthrottled_connections() -> None:
    """Lift the connectors' own client-side limits on every connection."""
    for connection in Connection.objects.all():
        limits = {"rate_limit_per_second": 200, "rate_limit_burst": 50}
        connection.config = {**connection.config, **limits}
        connection.save(update_fields=["config"])

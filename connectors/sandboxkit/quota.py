"""Daily quotas of a company on the sandboxes: how much sandbox data its members may make.

Each company's sandbox accounts are seeded once; what the admin pages add on top (seeding
more customers and orders, placing orders) takes from SANDBOX_SEEDS_PER_DAY per company, so
that no company can fill the shared database. Staff are not counted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

DAY_SECONDS = 86_400
DEFAULT_SEEDS_PER_DAY = 50


def seed_allowed(tenant_id: int) -> bool:
    """Take one seeding action from the company's daily quota; False when it is used up."""
    key = f"sandbox-seeds:{tenant_id}"
    # SET NX, then an atomic INCR (Redis): parallel requests never exceed the quota.
    cache.add(key, 0, DAY_SECONDS)
    try:
        used = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, DAY_SECONDS)
        used = 1
    return used <= int(getattr(settings, "SANDBOX_SEEDS_PER_DAY", DEFAULT_SEEDS_PER_DAY))

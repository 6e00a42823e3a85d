"""The sandbox merchant account the platform uses when no real Mollie key is configured."""

from __future__ import annotations

from django.conf import settings

from connectors.mollie.sandbox.models import Account, key_hash

DEMO_NAME = "APIcenter (sandbox)"


def ensure_demo_account() -> Account:
    """Return the account whose API key is MOLLIE_SANDBOX_KEY, creating it on first use."""
    key = settings.MOLLIE_SANDBOX_KEY
    account = Account.objects.filter(key_hash=key_hash(key)).first()
    if account is not None:
        return account
    account = Account(name=DEMO_NAME)
    account.set_key(key)
    account.save()
    return account

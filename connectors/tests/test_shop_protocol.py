"""The shop protocol's webhook checks are class methods (the intake makes no instance): one
that a shop connector lacks refuses the delivery instead of letting it pass."""

from __future__ import annotations

import pytest

from connectors.base import ShopConnector
from connectors.errors import WebhookInvalid


class ShopWithoutWebhooks(ShopConnector):
    system = "silent"


def test_a_shop_that_does_not_verify_webhooks_refuses_every_delivery():
    with pytest.raises(WebhookInvalid, match="silent does not verify webhooks"):
        ShopWithoutWebhooks.verify_webhook(secret="s", body=b"{}", headers={})
    with pytest.raises(WebhookInvalid, match="silent sends no webhook events"):
        ShopWithoutWebhooks.parse_webhook_event(b"{}")

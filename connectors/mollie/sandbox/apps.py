from __future__ import annotations

from django.apps import AppConfig


class MollieSandboxConfig(AppConfig):
    name = "connectors.mollie.sandbox"
    label = "mollie_sandbox"
    verbose_name = "Mollie sandbox"

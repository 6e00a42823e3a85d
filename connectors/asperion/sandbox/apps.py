from __future__ import annotations

from django.apps import AppConfig


class AsperionSandboxConfig(AppConfig):
    name = "connectors.asperion.sandbox"
    label = "asperion_sandbox"
    verbose_name = "Asperion sandbox"

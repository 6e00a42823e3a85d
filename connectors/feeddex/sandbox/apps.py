from __future__ import annotations

from django.apps import AppConfig


class FeeddexSandboxConfig(AppConfig):
    name = "connectors.feeddex.sandbox"
    label = "feeddex_sandbox"
    verbose_name = "Feeddex sandbox"

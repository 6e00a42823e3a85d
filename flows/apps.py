from __future__ import annotations

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self) -> None:
        # The flows register themselves and their mappings' kinds (the mapping app knows no
        # flow) before any request, task or test asks for them.
        from flows import registry  # noqa: F401

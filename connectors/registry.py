"""The systems the platform can connect, and where each connector class lives.

Adding a system: copy a sibling package under connectors/ and add one line here.
Classes are imported lazily so that models and migrations never import HTTP code.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

SYSTEMS: dict[str, tuple[str, str, str]] = {
    # system: (display name, dotted path of the connector class, the role it plays in an
    # integration: "accounting" or "shop")
    "asperion": ("Asperion", "connectors.asperion.connector.AsperionConnector", "accounting"),
    "feeddex": ("Feeddex", "connectors.feeddex.connector.FeeddexConnector", "shop"),
}

SYSTEM_CHOICES = [(key, name) for key, (name, _path, _role) in SYSTEMS.items()]


def systems_for(role: str) -> list[str]:
    """The systems that can play a role in an integration."""
    return [key for key, (_name, _path, plays) in SYSTEMS.items() if plays == role]


def display_name(system: str) -> str:
    """The system's name as people know it; an unknown key as it is."""
    return SYSTEMS[system][0] if system in SYSTEMS else system


def role_of(system: str) -> str:
    return SYSTEMS[system][2]


def connector_class(system: str) -> Any:
    try:
        dotted = SYSTEMS[system][1]
    except KeyError:
        raise ValueError(f"unknown system {system!r}") from None
    module_name, class_name = dotted.rsplit(".", 1)
    return getattr(import_module(module_name), class_name)


def credentials_form(system: str) -> Any:
    """The form that saves a system's credentials (connectors/<system>/forms.py)."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}")
    return import_module(f"connectors.{system}.forms").CredentialsForm

"""Saving a connection from a form and testing it at once: the one way the wizard's steps and
the connection page store credentials (each system's form is in connectors/<system>/forms.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connectors import services as connection_services
from connectors.models import Connection
from tenants.models import Tenant


def save_and_test(
    form: Any, *, tenant: Tenant, system: str, name: str, **target: Any
) -> tuple[Connection, str | None]:
    """Save the valid form's config and secrets as the tenant's connection to the system and
    test it; return the connection and the test's error (None when it works). `target`:
    which connection to replace, or to create one (connection_save's `replace`, `create`)."""
    connection = connection_services.connection_save(
        tenant=tenant,
        system=system,
        name=name,
        config=form.config(),
        secrets=form.secrets(),
        **target,
    )
    return connection, connection_services.connection_test(connection=connection)


def report_test(request: HttpRequest, connection: Connection, error: str | None) -> None:
    """Tell the wizard's user how the test of a connection went."""
    if error:
        messages.error(
            request,
            _("%(name)s: the test failed: %(error)s") % {"name": connection.name, "error": error},
        )
    else:
        messages.success(request, _("%s is connected and works.") % connection.name)


# What a connection's settings are called on its page (the stored keys are for programs).
SETTING_LABELS: dict[str, Any] = {
    "api_base_url": gettext_lazy("API address"),
    "administration_id": gettext_lazy("Administration"),
    "client_id": gettext_lazy("Client ID"),
    "organization": gettext_lazy("Organization"),
    "accept_language": gettext_lazy("Language of the API's messages"),
    "invoice_lookback_days": gettext_lazy("Invoices looked back on (days)"),
    "rate_limit_per_second": gettext_lazy("Requests per second"),
    "rate_limit_burst": gettext_lazy("Requests at once (burst)"),
}


@dataclass
class ShownSetting:
    label: str
    value: Any
    link: str = ""


def settings_shown(connection: Connection) -> list[ShownSetting]:
    """The connection's settings with their names in words, known ones first."""
    config = connection.config or {}
    known = [key for key in SETTING_LABELS if key in config]
    others = sorted(key for key in config if key not in SETTING_LABELS)
    return [ShownSetting(str(SETTING_LABELS.get(key, key)), config[key]) for key in known + others]


def sandbox_admin_link(connection: Connection) -> str:
    """The page of the sandbox that this connection uses (its administration's orders,
    invoices and fault knobs); empty for a real system or when the sandboxes are off."""
    if not settings.SANDBOX_ENABLED:
        return ""
    from connectors.sandboxkit.provision import sandbox_base_url

    if connection.config.get("api_base_url") != sandbox_base_url(connection.system):
        return ""
    try:
        url = reverse(f"{connection.system}_sandbox:admin")
    except NoReverseMatch:
        return ""
    administration = connection.config.get("administration_id")
    return f"{url}?administration={administration}" if administration else url

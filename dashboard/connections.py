"""Saving a connection from a form and testing it at once: the one way the wizard's steps and
the connection page store credentials (each system's form is in connectors/<system>/forms.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

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

"""Every URL pattern of the project, as concrete URLs filled with real rows.

`endpoints()` walks `django.urls.get_resolver()` recursively; `url_for()` fills each pattern's
arguments from the estate's rows (or harmless values for the public patterns) and checks that
the URL resolves back to the same view. A pattern whose arguments are unknown here fails the
test that lists them, so a new URL cannot slip past the access tests unclassified.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.security.estate import Estate

# What each tenant-row argument is, by URL name. The outsider must get 404 for all of them.
ROW_ARGUMENTS: dict[str, Callable[[Estate], Any]] = {
    "dashboard:api_token_revoke": lambda e: e.owner_token.pk,
    "dashboard:member_role": lambda e: e.viewer_membership.pk,
    "dashboard:member_remove": lambda e: e.viewer_membership.pk,
    "dashboard:connection_detail": lambda e: e.mine.asperion.pk,
    "dashboard:connection_test": lambda e: e.mine.asperion.pk,
    "dashboard:connection_reconnect": lambda e: e.mine.asperion.pk,
    "dashboard:connection_credentials": lambda e: e.mine.asperion.pk,
    "dashboard:connection_delete": lambda e: e.mine.asperion.pk,
    "dashboard:integration_remove": lambda e: e.mine.integration.pk,
    "dashboard:flow_detail": lambda e: e.mine.flow.pk,
    "dashboard:flow_toggle": lambda e: e.mine.flow.pk,
    "dashboard:flow_run": lambda e: e.mine.flow.pk,
    "dashboard:flow_settings": lambda e: e.mine.flow.pk,
    "dashboard:flow_reset_cursor": lambda e: e.mine.flow.pk,
    "dashboard:mapping": lambda e: e.mine.flow.pk,
    "dashboard:mapping_preview": lambda e: e.mine.flow.pk,
    "dashboard:mapping_versions": lambda e: e.mine.flow.pk,
    "dashboard:mapping_rollback": lambda e: e.mine.flow.pk,
    "dashboard:run_detail": lambda e: e.mine.run.pk,
    "dashboard:run_retry_failed": lambda e: e.mine.run.pk,
    "dashboard:run_cancel": lambda e: e.mine.run.pk,
    "dashboard:record_detail": lambda e: e.mine.failed.pk,
    "dashboard:record_retry": lambda e: e.mine.failed.pk,
    "api:connection": lambda e: e.mine.feeddex.pk,
    "api:connection_verify": lambda e: e.mine.feeddex.pk,
    "api:integration": lambda e: e.mine.integration.pk,
    "api:integration_customer_defaults": lambda e: e.mine.integration.pk,
    "api:integration_go_live": lambda e: e.mine.integration.pk,
    "api:flow": lambda e: e.mine.flow.pk,
    "api:flow_settings": lambda e: e.mine.flow.pk,
    "api:flow_mapping": lambda e: e.mine.flow.pk,
    "api:flow_mapping_versions": lambda e: e.mine.flow.pk,
    "api:flow_mapping_rollback": lambda e: e.mine.flow.pk,
    "api:flow_enable": lambda e: e.mine.flow.pk,
    "api:flow_disable": lambda e: e.mine.flow.pk,
    "api:flow_run": lambda e: e.mine.flow.pk,
    "api:flow_dry_run": lambda e: e.mine.flow.pk,
    "api:run": lambda e: e.mine.run.pk,
    "api:run_retry_failed": lambda e: e.mine.run.pk,
    "api:run_cancel": lambda e: e.mine.run.pk,
    "api:record": lambda e: e.mine.failed.pk,
    "api:record_retry": lambda e: e.mine.failed.pk,
    "billing:invoice_pdf": lambda e: e.mine.invoice.pk,
}

# Arguments that are not tenant rows: a wizard step, sandbox paths, reset links, admin ids.
PLAIN_ARGUMENTS: dict[str, Callable[[Estate], str]] = {
    "step": lambda e: "apps",
    "uidb64": lambda e: "MQ",
    "token": lambda e: "set-password",
    "rest": lambda e: "api/v1/articles",
    "object_id": lambda e: str(e.tenant.pk),
    "content_type_id": lambda e: "1",
    "app_label": lambda e: "tenants",
    "url": lambda e: "no-such-page/",
    "order_id": lambda e: "1",
    "invoice_id": lambda e: "1",
    "account_id": lambda e: "1",
    "pk": lambda e: "1",  # the Feeddex sandbox's own product, customer, order ids
    # The Mollie sandbox's own ids (it checks its own API key).
    "payment_id": lambda e: "tr_none",
    "customer_id": lambda e: "cst_none",
    "mandate_id": lambda e: "mdt_none",
    "subscription_id": lambda e: "sub_none",
    # A screenshot of the user guide.
    "language": lambda e: "en",
    "name": lambda e: "overview",
}
WEBHOOK = "api:shop_webhook"
# Patterns anyone may open: sign-in and sign-up, the API schema and docs, the signed
# webhook receiver and the sandboxes' emulated APIs (they check their own bearer tokens).
SANDBOX_APIS = (
    "sandbox/asperion/^",
    "sandbox/feeddex/^",
    "sandbox/feeddex/authenticate",
    "sandbox/feeddex/v1/",
    "sandbox/mollie/v2/",
    "sandbox/mollie/checkout/",  # Mollie's hosted payment page: public like the real one
    "sandbox/mollie/^",
)
PUBLIC = {
    "login",
    "signup",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Links from mails: the signed token in the URL is the key (a bad one answers 400/404).
    "signup_confirm",
    "dashboard:invitation",
    "api:schema",
    "api:docs",
    "api:shop_webhook",
    "billing:webhook",  # the payment provider's calls; the token names the company
    "mollie_sandbox:root",
    "dashboard:language",  # a language cookie for anyone; the user's choice when signed in
    "monitoring:account_deleted",  # the goodbye page after a deletion (signed out by then)
    "company_moved",  # a redirect from the old address; the page it leads to checks access
    "admin:login",
    "admin:logout",
}


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str  # namespaced URL name, or the route when the pattern has no name
    params: tuple[str, ...]
    view: Any

    @property
    def has_tenant_row(self) -> bool:
        return self.name in ROW_ARGUMENTS

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"


def pattern_params(pattern: URLPattern | URLResolver) -> tuple[str, ...]:
    return tuple(re.compile(pattern.pattern.regex.pattern).groupindex)


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()
) -> Iterator[Endpoint]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        found = params + pattern_params(pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            space = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            yield from walk(pattern.url_patterns, route, space, found)
        else:
            name = f"{namespace}:{pattern.name}" if pattern.name and namespace else pattern.name
            yield Endpoint(route, name or route, found, pattern.callback)


def endpoints() -> list[Endpoint]:
    return list(walk(get_resolver().url_patterns))


def argument(endpoint: Endpoint, param: str, estate: Estate) -> str:
    if endpoint.has_tenant_row:
        return str(ROW_ARGUMENTS[endpoint.name](estate))
    if endpoint.name == WEBHOOK:
        return estate.mine.endpoint.token
    return PLAIN_ARGUMENTS[param](estate)


def fill(route: str, values: dict[str, str]) -> str:
    """Put the values into a route: `<int:pk>` converters and `(?P<rest>…)` groups alike."""

    def converter(match: re.Match[str]) -> str:
        return values[match.group(1)]

    url = re.sub(r"\(\?P<([^>]+)>[^)]*\)", converter, route)
    url = re.sub(r"<(?:[^>:]+:)?([^>]+)>", converter, url)
    return "/" + url.replace("^", "").replace("$", "")


def url_for(endpoint: Endpoint, estate: Estate) -> str:
    values = {param: argument(endpoint, param, estate) for param in endpoint.params}
    url = fill(endpoint.route, values)
    match = resolve(url)
    assert match.func == endpoint.view, f"{url} resolves to {match.view_name}, not {endpoint}"
    return url


def is_public(endpoint: Endpoint) -> bool:
    return endpoint.name in PUBLIC or endpoint.route.startswith(SANDBOX_APIS)


def is_staff_only(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("admin/") and not is_public(endpoint)


def is_sandbox_admin(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith(
        ("sandbox/asperion/admin/", "sandbox/feeddex/admin/", "sandbox/mollie/admin/")
    )


def is_api(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("api/v1/")


def tenant_endpoints() -> list[Endpoint]:
    """The patterns behind a sign-in with a tenant: dashboard, account pages and the API."""
    return [e for e in endpoints() if not (is_public(e) or is_staff_only(e) or is_sandbox_admin(e))]

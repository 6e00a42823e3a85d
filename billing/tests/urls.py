"""The site's URLs with the Mollie sandbox, whatever SANDBOX_ENABLED said at start-up."""

from __future__ import annotations

from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

from apicenter.urls import urlpatterns as site

urlpatterns: list[URLPattern | URLResolver] = [
    *[p for p in site if "sandbox/mollie" not in str(getattr(p, "pattern", ""))],
    path("sandbox/mollie/", include("connectors.mollie.sandbox.urls")),
]

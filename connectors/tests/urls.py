"""What the connector tests serve: both sandboxes, whatever SANDBOX_ENABLED says."""

from __future__ import annotations

from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = [
    path("sandbox/asperion/", include("connectors.asperion.sandbox.urls")),
    path("sandbox/feeddex/", include("connectors.feeddex.sandbox.urls")),
]

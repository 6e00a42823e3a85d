"""The URLs the Feeddex sandbox tests serve: the sandbox, and the pages its admin page links
to (sign-in, dashboard, the API's documentation in the help menu), without the other
sandbox, so these tests stand on their own."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("tenants.urls")),
    path("api/", include("api.urls")),
    path("sandbox/feeddex/", include("connectors.feeddex.sandbox.urls")),
    path("", include("dashboard.urls")),
]

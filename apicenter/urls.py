from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("accounts/", include("tenants.urls")),
    path("api/", include("api.urls")),
    path("account/", include("monitoring.urls")),
    path("billing/", include("billing.urls")),
    path("", include("dashboard.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [
        path("sandbox/asperion/", include("connectors.asperion.sandbox.urls")),
        path("sandbox/feeddex/", include("connectors.feeddex.sandbox.urls")),
        path("sandbox/mollie/", include("connectors.mollie.sandbox.urls")),
    ]

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.urls.resolvers import URLPattern, URLResolver
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    # People: sign-in, sign-up, passwords.
    path("accounts/", include("tenants.urls")),
    path("api/", include("api.urls")),
    # The company: notifications and retention, export, deletion.
    path("company/", include("monitoring.urls")),
    # Where the company's pages were (bookmarks, older mails).
    re_path(
        r"^account/(?P<rest>.*)$",
        RedirectView.as_view(url="/company/%(rest)s", permanent=True, query_string=True),
        name="company_moved",
    ),
    path("billing/", include("billing.urls")),
    path("", include("dashboard.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [
        path("sandbox/asperion/", include("connectors.asperion.sandbox.urls")),
        path("sandbox/feeddex/", include("connectors.feeddex.sandbox.urls")),
        path("sandbox/mollie/", include("connectors.mollie.sandbox.urls")),
    ]

from __future__ import annotations

from django.urls import path, re_path
from django.urls.resolvers import URLPattern, URLResolver

from connectors.asperion.sandbox import admin_views, views

app_name = "asperion_sandbox"
urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin_views.admin_page, name="admin"),
    path("admin/knobs/", admin_views.knobs_save, name="knobs"),
    path("admin/seed/", admin_views.demo_seed, name="seed"),
    path("admin/orders/<int:order_id>/status/", admin_views.order_status, name="order_status"),
    path(
        "admin/invoices/<int:invoice_id>/status/",
        admin_views.invoice_status,
        name="invoice_status",
    ),
    # Everything else is the API and the identity server, routed case-insensitively.
    re_path(r"^(?P<rest>.*)$", views.api, name="api"),
]

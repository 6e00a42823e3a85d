from __future__ import annotations

from django.urls import path, re_path
from django.urls.resolvers import URLPattern, URLResolver

from connectors.feeddex.sandbox import admin_views, api

app_name = "feeddex_sandbox"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin_views.home, name="admin"),
    path("admin/<int:account_id>/", admin_views.account_page, name="account"),
    path(
        "authenticate", api.endpoint({"POST": api.authenticate}, public=True), name="authenticate"
    ),
    path("v1/units", api.endpoint({"GET": api.units}), name="units"),
    path(
        "v1/products",
        api.endpoint({"GET": api.products, "POST": api.product_create}),
        name="products",
    ),
    # Before products/<pk>, so that "stock" is not taken for an id.
    path("v1/products/stock", api.endpoint({"POST": api.stock}), name="stock"),
    path(
        "v1/products/<str:pk>",
        api.endpoint({"GET": api.product_detail, "PUT": api.product_update}),
        name="product",
    ),
    path(
        "v1/customers",
        api.endpoint({"GET": api.customers, "POST": api.customer_create}),
        name="customers",
    ),
    path(
        "v1/customers/<str:pk>",
        api.endpoint({"GET": api.customer_detail, "PUT": api.customer_update}),
        name="customer",
    ),
    path("v1/orders", api.endpoint({"GET": api.orders}), name="orders"),
    path(
        "v1/orders/<str:pk>",
        api.endpoint({"GET": api.order_detail, "PATCH": api.order_patch}),
        name="order",
    ),
    path("v1/transactions", api.endpoint({"POST": api.transaction_create}), name="transactions"),
    path("v1/feedbackData", api.endpoint({"GET": api.feedback_data}), name="feedback_data"),
    path(
        "v1/webhooks",
        api.endpoint({"GET": api.webhooks, "POST": api.webhook_create}),
        name="webhooks",
    ),
    path("v1/webhooks/<str:pk>", api.endpoint({"DELETE": api.webhook_delete}), name="webhook"),
    # Any other path answers the contract's JSON 404, not an HTML page.
    re_path(r"^(?P<rest>.*)$", api.not_found),
]

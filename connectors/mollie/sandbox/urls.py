from __future__ import annotations

from django.urls import path, re_path
from django.urls.resolvers import URLPattern, URLResolver

from connectors.mollie.sandbox import admin_views, api, checkout

app_name = "mollie_sandbox"

CUSTOMER = "v2/customers/<str:customer_id>"
SUBSCRIPTION = f"{CUSTOMER}/subscriptions/<str:subscription_id>"

urlpatterns: list[URLPattern | URLResolver] = [
    # The client's base URL: it adds /v2/… itself.
    path("", api.not_found, name="root"),
    path("admin/", admin_views.home, name="admin"),
    path("admin/<int:account_id>/", admin_views.account_page, name="account"),
    path("checkout/", api.not_found, name="checkout_root"),
    path("checkout/<str:payment_id>/", checkout.checkout, name="checkout"),
    path("v2/customers", api.endpoint({"POST": api.customer_create}), name="customers"),
    path(CUSTOMER, api.endpoint({"GET": api.customer_detail}), name="customer"),
    path(f"{CUSTOMER}/payments", api.endpoint({"GET": api.customer_payments})),
    path(f"{CUSTOMER}/mandates", api.endpoint({"GET": api.mandates})),
    path(f"{CUSTOMER}/mandates/<str:mandate_id>", api.endpoint({"GET": api.mandate_detail})),
    path(
        f"{CUSTOMER}/subscriptions",
        api.endpoint({"GET": api.subscriptions, "POST": api.subscription_create}),
    ),
    path(
        SUBSCRIPTION,
        api.endpoint(
            {
                "GET": api.subscription_detail,
                "PATCH": api.subscription_update,
                "DELETE": api.subscription_cancel,
            }
        ),
    ),
    path(f"{SUBSCRIPTION}/payments", api.endpoint({"GET": api.subscription_payments})),
    path("v2/payments", api.endpoint({"POST": api.payment_create}), name="payments"),
    path("v2/payments/<str:payment_id>", api.endpoint({"GET": api.payment_detail})),
    re_path(r"^(?P<rest>.*)$", api.not_found),
]

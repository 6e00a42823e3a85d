from __future__ import annotations

from django.urls import path
from django.urls.resolvers import URLPattern, URLResolver

from billing import views

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("plans/", views.plans, name="plans"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/return/", views.checkout_return, name="checkout_return"),
    path("", views.billing, name="billing"),
    path("switch/", views.switch, name="switch"),
    path("cancel/", views.cancel, name="cancel"),
    path("pay/", views.pay_due, name="pay_due"),
    path("invoices/<int:pk>/pdf/", views.invoice_download, name="invoice_pdf"),
    path("webhook/<str:token>/", views.webhook, name="webhook"),
]

from __future__ import annotations

from django.urls import path
from django.urls.resolvers import URLPattern, URLResolver

from monitoring import views

app_name = "monitoring"
urlpatterns: list[URLPattern | URLResolver] = [
    path("monitoring/", views.monitoring_settings, name="settings"),
    path("export/", views.account_export, name="account_export"),
    path("delete/", views.account_delete, name="account_delete"),
    path("deleted/", views.account_deleted, name="account_deleted"),
]

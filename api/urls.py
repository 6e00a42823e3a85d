from __future__ import annotations

from django.urls.resolvers import URLPattern, URLResolver

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = []

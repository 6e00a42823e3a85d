from __future__ import annotations

from django.urls.resolvers import URLPattern, URLResolver

app_name = "feeddex_sandbox"
urlpatterns: list[URLPattern | URLResolver] = []

from __future__ import annotations

from django.urls.resolvers import URLPattern, URLResolver

app_name = "asperion_sandbox"
urlpatterns: list[URLPattern | URLResolver] = []

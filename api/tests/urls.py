"""Only the API's URLs, for tests that must not depend on the rest of the site."""

from __future__ import annotations

from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = [path("api/", include("api.urls"))]

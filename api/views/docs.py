"""The interactive API docs at /api/docs/, served from this server's own static files.

With drf-spectacular-sidecar installed (in INSTALLED_APPS), this is Swagger UI from the
sidecar's files; without it, a small page of our own that lists every operation from the
schema and can send requests with a token. Neither loads anything from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.shortcuts import render
from django.templatetags.static import static
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

SIDECAR_APP = "drf_spectacular_sidecar"


def sidecar_installed() -> bool:
    return apps.is_installed(SIDECAR_APP)


class ApiDocsView(SpectacularSwaggerSplitView):
    url_name = "api:schema"
    title = "APIcenter API"
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if not sidecar_installed():
            return render(request, "api/docs.html", {"schema_url": self._get_schema_url(request)})  # type: ignore[no-untyped-call]
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        return response

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"{SIDECAR_APP}/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static(f"{SIDECAR_APP}/swagger-ui-dist/favicon-32x32.png")

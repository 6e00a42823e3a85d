"""What every API view shares: token auth, role checks, throttling, errors, keyset pages."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from rest_framework import permissions, serializers
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiPrincipal, ApiTokenAuthentication
from api.errors import api_exception_handler
from api.throttling import TokenRateThrottle
from monitoring.logs import bind
from tenants.access import get_for_tenant
from tenants.models import Tenant

M = TypeVar("M", bound=models.Model)

READ_ONLY_ROLE = "Your role in this company is read-only."
NESTED_TOO_DEEPLY = "JSON parse error - the body is nested too deeply."


class IsTenantMember(permissions.BasePermission):
    """A valid token (its member's role is checked where something is written)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, ApiPrincipal)


class JsonBodyParser(JSONParser):
    """JSON bodies; one nested deeper than Python's decoder goes is a 400, not a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTED_TOO_DEEPLY) from None


class ApiView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsTenantMember]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [JsonBodyParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The request's log lines name the token's tenant (until the request finishes).
        bind(tenant_id=self.tenant.pk)

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @property
    def principal(self) -> ApiPrincipal:
        principal = self.request.auth
        assert isinstance(principal, ApiPrincipal)
        return principal

    @property
    def tenant(self) -> Tenant:
        return self.principal.tenant

    def require_write(self) -> None:
        if not self.principal.can_write:
            raise PermissionDenied(READ_ONLY_ROLE)

    def get_row(self, queryset: models.QuerySet[M] | type[M], pk: Any, *, write: bool = False) -> M:
        """Load a row of this tenant: 404 for another tenant's, then 403 for a viewer's write."""
        row = get_for_tenant(queryset, tenant=self.tenant, pk=pk)
        if write:
            self.require_write()
        return row


def parse_query(request: Request, serializer_class: type[serializers.Serializer[Any]]) -> Any:
    """Validate query parameters with a serializer; a bad one is a 400 naming it."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def parse_body(request: Request, serializer_class: type[serializers.Serializer[Any]]) -> Any:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def keyset_page(request: Request, results: Any, next_before: int | None) -> dict[str, Any]:
    """A page of a list ordered by id descending, and where the next one starts.

    The cursor is the id to continue before: keyset pagination stays fast however deep a
    client pages, where an OFFSET would scan every skipped row.
    """
    next_url = None
    if next_before is not None:
        query = request.query_params.copy()
        query["cursor"] = str(next_before)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "results": list(results),
        "next_cursor": str(next_before) if next_before is not None else None,
        "next": next_url,
    }


def accepted(data: Any) -> Response:
    return Response(data, status=202)

"""Connections: create (config + write-only secrets), list, detail, verify, delete."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView, parse_body
from api.schema import responses
from api.serializers import ConnectionOutput
from connectors import services as connection_services
from connectors.models import Connection
from connectors.netguard import url_problem
from connectors.registry import SYSTEM_CHOICES
from connectors.services import connection_verify

TAG = ["connections"]

# What each system needs to be reached; the rest of config has defaults (the real APIs).
REQUIRED_CONFIG = {
    "asperion": ("client_id", "administration_id"),
    "feeddex": ("organization",),
}
REQUIRED_SECRETS = {
    "asperion": ("client_secret", "refresh_token"),
    "feeddex": ("auth_code", "password"),
}
DEFAULT_CONFIG = {
    "asperion": {
        "api_base_url": "https://api.asperion.nl",
        "identity_base_url": "https://identity.asperion.nl",
    },
    "feeddex": {"api_base_url": "https://api.feeddex.nl"},
}
URL_KEYS = ("api_base_url", "identity_base_url")
MISSING = "This field is required for {system}."


class ConnectionInput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "ConnectionCreate"

    system = serializers.ChoiceField(choices=SYSTEM_CHOICES)
    name = serializers.CharField(max_length=120)
    config = serializers.DictField(
        default=dict,
        help_text="Asperion: client_id, administration_id (api_base_url, identity_base_url "
        "default to the real API). Feeddex: organization (api_base_url defaults to the real API).",
    )
    secrets = serializers.DictField(
        child=serializers.CharField(max_length=4000),
        write_only=True,
        help_text="Asperion: client_secret, refresh_token. Feeddex: auth_code, password. "
        "Stored encrypted; never returned.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        system = attrs["system"]
        attrs["config"] = {**DEFAULT_CONFIG[system], **attrs["config"]}
        errors: dict[str, list[str]] = {}
        for key in REQUIRED_CONFIG[system]:
            if attrs["config"].get(key) in (None, ""):
                errors[f"config.{key}"] = [MISSING.format(system=system)]
        for key in REQUIRED_SECRETS[system]:
            if not attrs["secrets"].get(key):
                errors[f"secrets.{key}"] = [MISSING.format(system=system)]
        for key in URL_KEYS:
            problem = url_problem(attrs["config"][key]) if key in attrs["config"] else None
            if problem:
                errors[f"config.{key}"] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ConnectionListApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: ConnectionOutput(many=True)}))
    def get(self, request: Request) -> Response:
        connections = Connection.objects.filter(tenant=self.tenant).order_by("id")
        return Response(ConnectionOutput(connections, many=True).data)

    @extend_schema(
        tags=TAG,
        request=ConnectionInput,
        responses=responses({201: ConnectionOutput}, 400, 403),
        description="Create a connection. Verify it next with `verify/`.",
    )
    def post(self, request: Request) -> Response:
        self.require_write()
        data = parse_body(request, ConnectionInput)
        connection = connection_services.connection_create(tenant=self.tenant, **data)
        return Response(ConnectionOutput(connection).data, status=201)


class ConnectionDetailApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: ConnectionOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(ConnectionOutput(self.get_row(Connection, pk)).data)

    @extend_schema(
        tags=TAG,
        responses=responses({204: None}, 403, 404, 409),
        description="Delete a connection that no integration uses (409 otherwise).",
    )
    def delete(self, request: Request, pk: int) -> Response:
        connection = self.get_row(Connection, pk, write=True)
        connection_services.connection_delete(connection=connection)
        return Response(status=204)


class ConnectionVerifyApi(ApiView):
    @extend_schema(
        operation_id="connections_verify",
        tags=TAG,
        request=None,
        responses=responses(
            {
                200: inline_serializer(
                    "ConnectionVerified",
                    {"ok": serializers.BooleanField(), "connection": ConnectionOutput()},
                )
            },
            403,
            404,
        ),
        description="Call the system once with the stored credentials and record the outcome "
        "(`status`, `last_error` with the API's own message).",
    )
    def post(self, request: Request, pk: int) -> Response:
        connection = self.get_row(Connection, pk, write=True)
        connection = connection_verify(connection=connection)
        ok = connection.status == "ok"
        return Response({"ok": ok, "connection": ConnectionOutput(connection).data})


SandboxConnections = inline_serializer(
    "SandboxConnections", {"asperion": ConnectionOutput(), "feeddex": ConnectionOutput()}
)
SANDBOX_OFF = "The sandboxes are switched off on this server."


class SandboxConnectApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="connections_sandbox",
        request=None,
        responses=responses({201: SandboxConnections}, 403, 404),
        description="Connect both applications to this server's own sandboxes with sandbox "
        "accounts of the company's own, as the wizard's \"use the sandbox\" does (the company "
        "keeps one connection per system: an existing one gets the sandbox credentials). 404 "
        "where the sandboxes are off.",
    )
    def post(self, request: Request) -> Response:
        from connectors.sandboxkit.provision import sandbox_connect

        if not getattr(settings, "SANDBOX_ENABLED", False):
            raise Http404(SANDBOX_OFF)
        self.require_write()
        accounting, shop = sandbox_connect(tenant=self.tenant)
        body = {
            "asperion": ConnectionOutput(accounting).data,
            "feeddex": ConnectionOutput(shop).data,
        }
        return Response(body, status=201)

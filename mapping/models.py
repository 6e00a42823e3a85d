"""Stored mappings: one per flow (or per flow part), and every saved change as a version.

Versions are never edited: a save or a rollback adds one with the next number, so a record
log that names a version number names exactly the mapping that produced its payload.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from mapping.kinds import mapping_kind_choices
from tenants.models import Tenant


class Mapping(models.Model):
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="mappings")
    # The kind of mapping (mapping.kinds), registered by the flow that declares it.
    flow_kind = models.CharField(max_length=24, choices=mapping_kind_choices)
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "flow_kind"])]

    def __str__(self) -> str:
        return self.name


class MappingVersion(models.Model):
    # The tenant again, so that version rows can be loaded by tenant like every other row.
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    mapping = models.ForeignKey(Mapping, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mapping", "number"], name="one_version_number"),
        ]
        ordering: ClassVar = ["mapping", "-number"]

    def __str__(self) -> str:
        return f"{self.mapping} v{self.number}"

from __future__ import annotations

from django.contrib import admin

from monitoring.models import Incident, MonitoringSettings, NoticeSent, PurgeAudit


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(admin.ModelAdmin[MonitoringSettings]):
    list_display = (
        "tenant",
        "payload_retention_days",
        "metadata_retention_days",
        "mask_personal_data",
    )
    filter_horizontal = ("recipients",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin[Incident]):
    list_display = (
        "tenant",
        "kind",
        "subject",
        "status",
        "opened_at",
        "resolved_at",
        "email_sent_at",
        "recovery_sent_at",
    )
    list_filter = ("status", "kind")
    readonly_fields = ("details",)


@admin.register(PurgeAudit)
class PurgeAuditAdmin(admin.ModelAdmin[PurgeAudit]):
    list_display = (
        "tenant",
        "started_at",
        "finished_at",
        "payloads_purged",
        "record_logs_deleted",
        "runs_deleted",
        "api_calls_deleted",
    )


@admin.register(NoticeSent)
class NoticeSentAdmin(admin.ModelAdmin[NoticeSent]):
    list_display = ("tenant", "kind", "sent_at")

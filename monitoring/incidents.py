"""Incidents follow the findings: open what is new, refresh what goes on, resolve what ended.

An incident gets one email when it opens and one when it resolves (if the first went out);
both are claimed with a conditional UPDATE, so two tasks never send the same email twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from flows.models import FlowRun
from monitoring.detection import Finding, still_watched, tenant_findings
from monitoring.models import Incident, IncidentStatus, MonitoringSettings
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def monitoring_settings_for(tenant: Tenant) -> MonitoringSettings:
    settings, _ = MonitoringSettings.objects.get_or_create(tenant=tenant)
    return settings


def open_incidents(tenant: Tenant) -> dict[tuple[str, str], Incident]:
    rows = Incident.objects.filter(tenant=tenant, status=IncidentStatus.OPEN)
    return {(row.kind, row.subject): row for row in rows}


def incidents_reconcile(*, tenant: Tenant, now: datetime | None = None) -> list[Incident]:
    """Bring the tenant's incidents in line with what is wrong now. Return those opened."""
    now = now or timezone.now()
    findings = tenant_findings(tenant, monitoring_settings_for(tenant), now)
    current = open_incidents(tenant)
    opened = [
        incident
        for key, finding in findings.items()
        if key not in current and (incident := incident_open(tenant, finding, now)) is not None
    ]
    for key, incident in current.items():
        if key in findings:
            incident_refresh(incident, findings[key], now)
        else:
            incident_resolve(incident, now=now)
    return opened


def incidents_reconcile_for_run(run_id: int) -> list[Incident]:
    """Called after every finished run: the tenant's incidents, checked at once."""
    run = FlowRun.objects.select_related("tenant").filter(pk=run_id).first()
    if run is None:
        return []  # purged or deleted with its tenant meanwhile
    return incidents_reconcile(tenant=run.tenant)


def incident_open(tenant: Tenant, finding: Finding, now: datetime) -> Incident | None:
    """Open an incident and queue its email; None if another task opened it first."""
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                tenant=tenant,
                kind=finding.kind,
                subject=finding.subject,
                integration_id=finding.integration_id,
                flow_id=finding.flow_id,
                connection_id=finding.connection_id,
                run_id=finding.run_id,
                details=finding.details,
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        return None  # the partial unique constraint: one open incident per subject
    logger.info("incident %s opened: %s %s", incident.pk, finding.kind, finding.subject)
    queue_email(incident.pk, recovery=False)
    return incident


def incident_refresh(incident: Incident, finding: Finding, now: datetime) -> None:
    Incident.objects.filter(pk=incident.pk).update(
        last_seen_at=now, details=finding.details, run_id=finding.run_id or incident.run_id
    )


def incident_resolve(incident: Incident, *, now: datetime) -> bool:
    """Close an incident; send the recovery email if its subject is still watched."""
    silently = not still_watched(incident.tenant, incident.subject, incident.details)
    closed = Incident.objects.filter(pk=incident.pk, status=IncidentStatus.OPEN).update(
        status=IncidentStatus.RESOLVED, resolved_at=now, resolved_silently=silently
    )
    if not closed:
        return False
    # Read after the update: an email claimed before it went out, one claimed after cannot be.
    emailed = Incident.objects.filter(pk=incident.pk, email_sent_at__isnull=False).exists()
    logger.info("incident %s resolved%s", incident.pk, " silently" if silently else "")
    if emailed and not silently:
        queue_email(incident.pk, recovery=True)
    return True


def queue_email(incident_id: int, *, recovery: bool) -> None:
    from monitoring.tasks import incident_email_task

    transaction.on_commit(lambda: incident_email_task.delay(incident_id, recovery))


def claim_email(incident_id: int, *, recovery: bool) -> bool:
    """Mark the email as sent before sending it, so that it goes out at most once."""
    now = timezone.now()
    incidents = Incident.objects.filter(pk=incident_id)
    if recovery:
        claimed = incidents.filter(
            status=IncidentStatus.RESOLVED, recovery_sent_at__isnull=True
        ).update(recovery_sent_at=now)
    else:
        claimed = incidents.filter(status=IncidentStatus.OPEN, email_sent_at__isnull=True).update(
            email_sent_at=now
        )
    return claimed == 1


def release_email(incident_id: int, *, recovery: bool) -> None:
    """Undo a claim when sending failed, so that the retry may send it."""
    field = "recovery_sent_at" if recovery else "email_sent_at"
    Incident.objects.filter(pk=incident_id).update(**{field: None})


def incident_email_send(incident_id: int, *, recovery: bool) -> int:
    """Send an incident's opening or recovery email once. Return how many were sent."""
    from monitoring.emails import send_incident_email

    if not claim_email(incident_id, recovery=recovery):
        return 0
    incident = Incident.objects.select_related("tenant", "flow", "connection").get(pk=incident_id)
    try:
        return send_incident_email(incident, recovery=recovery)
    except Exception:
        release_email(incident_id, recovery=recovery)
        raise


def incidents_check_all(*, now: datetime | None = None) -> int:
    """The periodic safety net and silent-failure check, over every tenant worth a look."""
    opened = 0
    for tenant in tenants_to_check():
        opened += len(incidents_reconcile(tenant=tenant, now=now))
    return opened


def tenants_to_check() -> list[Tenant]:
    with_open = Incident.objects.filter(status=IncidentStatus.OPEN).values("tenant_id")
    tenants = Tenant.objects.filter(Q(integrations__live=True) | Q(pk__in=with_open))
    return list(tenants.distinct().order_by("id"))

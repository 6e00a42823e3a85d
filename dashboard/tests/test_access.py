"""Every dashboard view with the owner, a read-only member and an outsider.

Pages of the tenant's own rows: owner and viewer read them, the outsider gets 404.
Changes: the viewer gets 403 and nothing changes; the outsider gets 404.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from flows.models import Flow, FlowRun

pytestmark = pytest.mark.django_db


def object_pages(scene) -> list[str]:
    flow, run, record = scene.products.pk, scene.run.pk, scene.failed.pk
    connection = scene.integration.accounting_id
    return [
        reverse("dashboard:flow_detail", args=[flow]),
        reverse("dashboard:flow_settings", args=[flow]),
        reverse("dashboard:run_detail", args=[run]),
        reverse("dashboard:record_detail", args=[record]),
        reverse("dashboard:connection_detail", args=[connection]),
        reverse("dashboard:mapping", args=[flow]),
        reverse("dashboard:mapping_versions", args=[flow]),
    ]


def tenant_pages() -> list[str]:
    return [
        reverse("dashboard:home"),
        reverse("dashboard:flows"),
        reverse("dashboard:activity"),
        reverse("dashboard:insights"),
        reverse("dashboard:settings"),
        reverse("dashboard:members"),
        reverse("dashboard:wizard_step", args=["apps"]),
        reverse("dashboard:help"),
    ]


def writes(scene) -> list[tuple[str, dict[str, str]]]:
    flow, run, record = scene.products.pk, scene.run.pk, scene.failed.pk
    connection = scene.integration.accounting_id
    return [
        (reverse("dashboard:flow_toggle", args=[flow]), {"enabled": "1"}),
        (reverse("dashboard:flow_run", args=[flow]), {}),
        (reverse("dashboard:flow_reset_cursor", args=[flow]), {}),
        (reverse("dashboard:flow_settings", args=[flow]), {"products-currency": "USD"}),
        (reverse("dashboard:run_retry_failed", args=[run]), {}),
        (reverse("dashboard:record_retry", args=[record]), {}),
        (reverse("dashboard:connection_test", args=[connection]), {}),
        (reverse("dashboard:connection_delete", args=[connection]), {}),
        (reverse("dashboard:connection_credentials", args=[connection]), {}),
        (reverse("dashboard:mapping", args=[flow]), {"rules": "0"}),
        (reverse("dashboard:mapping_rollback", args=[flow]), {"number": "1"}),
    ]


def test_owner_and_viewer_read_every_page(world, scene):
    for user in (world.owner, world.viewer):
        client = world.client_for(user)
        for url in object_pages(scene) + tenant_pages():
            response = client.get(url)
            assert response.status_code == 200, (user, url)


def test_outsider_gets_404_for_every_row_of_another_tenant(world, scene):
    client = world.client_for(world.outsider)
    for url in object_pages(scene):
        assert client.get(url).status_code == 404, url
    for url, data in writes(scene):
        assert client.post(url, data).status_code == 404, url


def test_outsider_sees_only_their_own_tenant(world, scene):
    page = world.client_for(world.outsider).get(reverse("dashboard:activity")).content.decode()
    assert scene.other_record.key in page
    assert "BAD-0000" not in page


def test_viewer_cannot_change_anything(world, scene):
    client = world.client_for(world.viewer)
    scene.products.cursor = {"articles": "2025-01-01"}
    scene.products.save()
    before = (
        FlowRun.objects.count(),
        list(Flow.objects.values_list("enabled", "settings", "cursor")),
    )
    for url, data in writes(scene):
        assert client.post(url, data).status_code == 403, url
    after = (
        FlowRun.objects.count(),
        list(Flow.objects.values_list("enabled", "settings", "cursor")),
    )
    assert before == after


def test_viewer_sees_no_buttons(world, scene):
    client = world.client_for(world.viewer)
    flows = client.get(reverse("dashboard:flows")).content.decode()
    assert "Run now" not in flows
    assert "Switch on" not in flows
    record = client.get(reverse("dashboard:record_detail", args=[scene.failed.pk])).content
    assert b"Retry this record" not in record
    owner_record = world.client_for(world.owner).get(
        reverse("dashboard:record_detail", args=[scene.failed.pk])
    )
    assert b"Retry this record" in owner_record.content


def test_wizard_posts_need_write_access(world, scene):
    client = world.client_for(world.viewer)
    for name in (
        "wizard_apps_done",
        "wizard_flows",
        "wizard_settings",
        "wizard_mapping_done",
        "wizard_dry_run",
        "wizard_dry_run_done",
        "wizard_go_live",
        "wizard_sandbox",
        "wizard_feeddex",
        "wizard_asperion_token",
        "asperion_connect",
    ):
        assert client.post(reverse(f"dashboard:{name}")).status_code == 403, name


def test_anonymous_is_sent_to_login(client, scene):
    for url in tenant_pages() + object_pages(scene):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_get_on_a_post_only_view_is_refused(world, scene):
    client = world.client_for(world.owner)
    assert client.get(reverse("dashboard:flow_run", args=[scene.products.pk])).status_code == 405

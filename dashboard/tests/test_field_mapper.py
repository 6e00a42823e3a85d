"""The mapper shows each target field's type and whether it is required, and beside each
source field its value in the sample record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.tests.test_mapping_views import products  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_target_types_and_sample_values_are_shown(world, products):  # noqa: F811
    page = world.client_for(world.owner).get(reverse("dashboard:mapping", args=[products.pk]))
    body = page.content.decode()
    sku = body.split('data-testid="target-type-sku"')[1].split("</span>")[0]
    assert "string" in sku
    assert "required" in sku
    assert 'label="sku = FIETS-001"' in body  # the picker's list shows the sample's value
    assert "in the sample:" in body


def test_the_mapper_speaks_dutch(world, products):  # noqa: F811
    world.owner.language = "nl"
    world.owner.save()
    page = world.client_for(world.owner).get(reverse("dashboard:mapping", args=[products.pk]))
    sku = page.content.decode().split('data-testid="target-type-sku"')[1].split("</span>")[0]
    assert "tekst" in sku
    assert "verplicht" in sku


def test_version_history_speaks_in_the_editors_terms(world, products):  # noqa: F811
    from dashboard.tests.test_mapping_views import form_data

    client = world.client_for(world.owner)
    client.post(
        reverse("dashboard:mapping", args=[products.pk]),
        form_data(products, change=("name", "upper")),
    )
    page = client.get(reverse("dashboard:mapping_versions", args=[products.pk]))
    diff = page.content.decode().split('data-testid="diff"')[1].split("</table>")[0]
    assert "upper" in diff
    assert "from " in diff  # where the value comes from, in words
    assert "{&quot;" not in diff  # no JSON
    assert '"target"' not in diff


def test_a_preview_that_cannot_read_leads_to_the_connection(world, scene):
    # The source connection was never tested: the preview says so and links to its page.
    page = world.client_for(world.owner).get(reverse("dashboard:mapping", args=[scene.products.pk]))
    link = reverse("dashboard:connection_detail", args=[scene.integration.accounting.pk])
    assert f'href="{link}" data-testid="preview-test-connection"' in page.content.decode()

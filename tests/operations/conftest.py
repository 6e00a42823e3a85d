"""Fixtures of the operations tests: a metrics token, and reading a scrape's samples."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.flows.conftest import synced as synced  # noqa: F401 - fixtures of the flows tests

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


class Scrape:
    """One answer of /metrics, parsed as Prometheus parses it."""

    def __init__(self, text: str) -> None:
        self.samples = [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series does not exist (yet)."""
        for sample in self.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
        return 0.0

    def has(self, name: str) -> bool:
        return any(sample.name == name for sample in self.samples)


def scrape(token: str = TOKEN) -> Scrape:
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    return Scrape(response.content.decode())

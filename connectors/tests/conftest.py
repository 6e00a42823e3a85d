"""Fixtures of the cross-connector tests: both sandboxes and connections to them."""

from __future__ import annotations

from connectors.asperion.tests.conftest import asperion  # noqa: F401 - a fixture
from connectors.feeddex.tests.conftest import feeddex  # noqa: F401 - a fixture
from connectors.tests.support import contract_check, sandbox, tenant  # noqa: F401 - fixtures

"""Settings that name things in the applications, checked against their live lists."""

from __future__ import annotations

from flows import services
from flows.live_lists import integration_propose_defaults, unresolved_settings, with_defaults
from flows.models import Flow
from flows.settings_schemas import parse_customer_defaults, parse_settings
from tests.flows.conftest import Synced


def typed_settings(synced: Synced) -> dict[str, object]:
    """Every flow's settings as they take effect (a default never saved is still the default)."""
    return {
        f.kind: parse_settings(f.kind, f.settings).model_dump()
        for f in synced.integration.flows.all()
    }


def enable(synced: Synced, *kinds: str) -> None:
    # Straight in the database: switching on through the service subscribes webhooks.
    Flow.objects.filter(integration=synced.integration, kind__in=kinds).update(enabled=True)


def test_the_demos_settings_resolve_and_proposing_changes_none_of_them(synced: Synced):
    unit = synced.account.units.first()
    assert unit is not None
    synced.configure("review_invitations", unit_id=unit.pk)
    before = typed_settings(synced)
    defaults = parse_customer_defaults(synced.integration.customer_defaults)
    assert integration_propose_defaults(integration=synced.integration)
    synced.integration.refresh_from_db()
    assert typed_settings(synced) == before
    assert parse_customer_defaults(synced.integration.customer_defaults) == defaults
    enable(synced, "orders", "customers", "review_invitations")
    assert unresolved_settings(integration=synced.integration) == {}


def test_a_setting_the_lists_lack_is_named_and_a_proposal_fixes_it(synced: Synced):
    enable(synced, "orders", "review_invitations")
    vat_codes = (
        synced.flow("orders").settings.get("vat_code_map")
        or with_defaults("orders", {})["vat_code_map"]
    )
    person = parse_customer_defaults(synced.integration.customer_defaults).debtor_kind_person
    synced.configure("orders", vat_code_map={**vat_codes, "21": "XX"})
    services.integration_update_customer_defaults(
        integration=synced.integration,
        data={**synced.integration.customer_defaults, "debtor_kind_person": "PRIV"},
    )
    problems = unresolved_settings(integration=synced.integration)
    assert set(problems) == {"orders", "customer_defaults", "review_invitations"}
    assert "“XX” is not in Asperion's list" in problems["orders"]["vat_code_map"]
    assert "PRIV" in problems["customer_defaults"]["debtor_kind_person"]
    assert "unit" in problems["review_invitations"]["unit_id"]
    integration_propose_defaults(integration=synced.integration)
    synced.integration.refresh_from_db()
    assert synced.flow("orders").settings["vat_code_map"] == vat_codes
    assert synced.integration.customer_defaults["debtor_kind_person"] == person
    # Two units to choose from: asked, not guessed.
    assert set(unresolved_settings(integration=synced.integration)) == {"review_invitations"}


def test_a_rounding_article_is_proposed_from_the_articles_and_one_gone_is_named(synced: Synced):
    from tests.flows.test_order_amounts import add_rounding_article

    enable(synced, "orders")
    assert parse_settings("orders", synced.flow("orders").settings).rounding_article_code == ""
    add_rounding_article(synced)  # AFRONDING, "Afrondingsverschil"
    assert integration_propose_defaults(integration=synced.integration)
    assert synced.flow("orders").settings["rounding_article_code"] == "AFRONDING"
    synced.configure("orders", rounding_article_code="WEG")
    problems = unresolved_settings(integration=synced.integration)
    assert "“WEG”" in problems["orders"]["rounding_article_code"]

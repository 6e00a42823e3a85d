from __future__ import annotations

from connectors.sandboxkit.knobs import Knobs


def test_defaults_have_only_a_rate_limit():
    knobs = Knobs.load(None)
    assert knobs.rate_per_second == 10.0
    assert knobs.burst == 20
    assert knobs.error_rate == knobs.timeout_rate == knobs.malformed_rate == 0
    assert knobs.latency_ms == 0
    assert knobs.token_lifetime_seconds == 3600
    assert knobs.max_page_size == 250


def test_load_keeps_valid_values_and_drops_bad_or_unknown_ones():
    knobs = Knobs.load(
        {"error_rate": 0.5, "burst": "many", "timeout_rate": 3, "no_such_knob": 1, "latency_ms": 7}
    )
    assert knobs.error_rate == 0.5
    assert knobs.latency_ms == 7
    assert knobs.burst == 20
    assert knobs.timeout_rate == 0.0


def test_dump_round_trips():
    knobs = Knobs(rate_per_minute=120, malformed_rate=0.25)
    assert Knobs.load(knobs.dump()) == knobs

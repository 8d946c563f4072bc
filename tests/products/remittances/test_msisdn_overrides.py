"""PEERX_MSISDN_PREFIX_OVERRIDES reaches Peex: a prefix the operator routes to no network is
refused as a beneficiary's mobile_phone, over HTTP, though phonenumbers gives it to MTN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerx.rails.msisdn import DEFAULT_OVERRIDES, cameroon_network, set_prefix_overrides
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.factories.remittances import fund, pay, wire


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Iterator[Settings]:
    yield make_settings(tmp_path, database_url, msisdn_prefix_overrides={"CM": {"675": None, "6760": "orange"}})
    set_prefix_overrides(DEFAULT_OVERRIDES)  # the overrides are process-wide: leave the defaults


async def test_an_overridden_prefix_is_routed_as_the_operator_says(client, platform, partner, test_key):
    await fund(platform, partner["id"], 1_000_000, livemode=False)
    refused = await pay(client, test_key, mobile_phone="+237675287689")
    assert refused.status_code == 422 and "mobile_phone" in refused.text, refused.text
    assert cameroon_network("237675287689") is None and cameroon_network("237676012345") == "orange"
    accepted = await pay(client, test_key, mobile_phone="+237677287689", track_id="OVR1")
    assert accepted.status_code == 200 and wire(accepted)["request"]["identifier_by"] == "+237677287689"


def test_a_bad_override_stops_the_platform_being_built(tmp_path: Path) -> None:
    from peerx.composition import build_platform

    with pytest.raises(ValueError, match="not one of"):
        build_platform(make_settings(tmp_path, msisdn_prefix_overrides={"CM": {"650": "telecel"}}))
    set_prefix_overrides(DEFAULT_OVERRIDES)

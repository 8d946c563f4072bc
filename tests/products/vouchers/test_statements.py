"""Issuing vouchers costs the same statements for 1 or 100 codes, counted over HTTP: the order is
written once (its mail's id in the same INSERT) and the vouchers are not read back for the event.
A change that adds a round trip fails here; a speed is never asserted."""

from __future__ import annotations

import pytest

from tests.fixtures.factories import vouchers as v
from tests.fixtures.statements import statements

# What issuing reaches (docs/benchmarks/api.md); the ledger's share is core/ledger.py's.
VOUCHER_ISSUE_STATEMENTS = 18


@pytest.mark.parametrize("quantity", ["1", "100"])
async def test_voucher_issue_stays_within_its_statements(client, platform, quantity):
    key = v.pw_live(await v.vendor(platform))
    await v.issue(client, key, quantity="1", amount="1")  # first use: accounts created, nothing cached counted
    with statements(platform) as seen:
        resp = await v.issue(client, key, quantity=quantity, amount="1")
    assert resp.status_code == 200, resp.text
    assert len(v.codes_of(resp)) == int(quantity)
    assert len(seen) <= VOUCHER_ISSUE_STATEMENTS, "\n".join(seen)
    assert not [s for s in seen if s.startswith("UPDATE voucher_orders")], seen
    assert not [s for s in seen if s.startswith("SELECT vouchers.id")], seen

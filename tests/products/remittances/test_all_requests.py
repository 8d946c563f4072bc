"""GET clients/all_requests?track_id= and clients/all_requests/:track_id."""

from __future__ import annotations

from tests.fixtures.factories.remittances import PEEX, auth, create_partner, fund, pay


async def get(client, key, track_id=None, path=False, **params):
    if path:
        return await client.get(f"{PEEX}/clients/all_requests/{track_id}", headers=auth(key))
    if track_id is not None:
        params["track_id"] = track_id
    return await client.get(f"{PEEX}/clients/all_requests", params=params, headers=auth(key))


async def test_both_forms_answer_the_documents_array(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 1_000_000_000, livemode=False)
    created = await pay(client, test_key, track_id="TEST2020102301", amount=5000, mobile_phone="+237691295354")
    await run_jobs()
    for path in (False, True):
        resp = await get(client, test_key, "TEST2020102301", path=path)
        assert resp.status_code == 200
        (row,) = resp.json()
        assert row == {
            "id": created.json()["request"]["id"],
            "amount": 5000,
            "status": "paid",
            "from_currency": "XAF",
            "to_currency": "XAF",
            "created_at": created.json()["request"]["created_at"],
            "updated_at": row["updated_at"],
            "payment_proof": row["payment_proof"],
            "identifier_by": "+237691295354",
            "track_id": "TEST2020102301",
            "type": "mobile",
        }
        assert row["payment_proof"].startswith("sbx_")


async def test_unknown_track_id_is_404(client, partner, test_key):
    for path in (False, True):
        resp = await get(client, test_key, "NOPE", path=path)
        assert resp.status_code == 404
        assert resp.json()["message"] == "There is no transaction for the given track_id."


async def test_another_partners_track_id_is_422(client, platform, partner, test_key):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await pay(client, test_key, track_id="MINE")
    other = await create_partner(platform, name="Other", email="o@example.com")
    for path in (False, True):
        resp = await get(client, other["peex"]["test_secret_key"], "MINE", path=path)
        assert resp.status_code == 422
        assert resp.json()["message"] == "The transaction does not belong to you."


async def test_modes_do_not_see_each_other(client, platform, partner, test_key, live_key):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await pay(client, test_key, track_id="TEST-ONLY")
    assert (await get(client, live_key, "TEST-ONLY")).status_code == 404


async def test_without_a_track_id_all_of_the_partners_requests(client, platform, partner, test_key):
    await fund(platform, partner["id"], 10_000, livemode=False)
    for n in range(3):
        await pay(client, test_key, track_id=f"T-{n}", amount=100 + n)
    other = await create_partner(platform, name="Other", email="o@example.com")
    await fund(platform, other["id"], 10_000, livemode=False)
    await pay(client, other["peex"]["test_secret_key"], track_id="THEIRS")
    everything = (await get(client, test_key)).json()
    assert [r["track_id"] for r in everything] == ["T-2", "T-1", "T-0"]  # newest first
    page = (await get(client, test_key, page="2", per_page="2")).json()
    assert [r["track_id"] for r in page] == ["T-0"]
    bad = await get(client, test_key, per_page="0")
    assert bad.status_code == 422 and bad.json()["field"] == "per_page"

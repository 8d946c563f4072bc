"""What a fuzzer finds beyond the listed cases, where Schemathesis cannot reach: trades with real
images and generated fields (any Unicode, numbers in every spelling, Unicode digits), and
withdrawals with any JSON in each field against a funded wallet. Every answer is a 200 or a 400
naming a field; a 400 leaves nothing behind and a 200 leaves exactly its own trade or hold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.giftcards import count_rows
from tests.fixtures.images import jpeg, png

PTP = cards.PTP
TRADE_FIELDS = ("card_type_id", "country", "currency", "card_amount", "quantity", "notes", "card_number")
IMAGES = ("front_image", "back_image", "receipt_image")
WITHDRAWAL_FIELDS = ("amount", "method", "account_name", "account_number", "bank_name", "body")
FUZZ = hypothesis_settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

numbers_as_text = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.text(
        st.characters(categories=["Nd", "No"]), min_size=1, max_size=6
    ),  # Arabic-Indic, superscript, fullwidth digits
    st.sampled_from(["1e3", "1E-2", "0x1F", "1_000", "+5", ".5", "5.", " 7 ", "", "-0", "00012"]),
)
any_text = st.text(max_size=80)  # every code point but surrogates, which no UTF-8 form can carry


VALID_TRADE = {
    "card_type_id": ["1", "7"],
    "country": ["USA", "usa", " USA "],
    "currency": ["USD", "usd"],
    "card_amount": ["100", "25.50", "0.01", "10000"],
    "quantity": ["1", "3", "100"],
    "notes": ["Optional notes here", "two\nlines"],
    "card_number": ["XXXX-XXXX-1234", "4000000000000001"],
}
VALID_WITHDRAWAL: dict[str, list[Any]] = {
    "amount": [5, "10.50", 1, "1.00"],
    "method": ["mtn_momo"],
    "account_name": ["John Doe"],
    "account_number": ["0241234567", "+233 24 123 4567", "024-123-4567"],
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@st.composite
def trade_fields(draw: st.DrawFn) -> dict[str, str | None]:
    """A valid trade with up to two fields replaced by anything (or left out)."""
    fields: dict[str, str | None] = {name: draw(st.sampled_from(values)) for name, values in VALID_TRADE.items()}
    for name in draw(st.sets(st.sampled_from(TRADE_FIELDS), max_size=2)):
        fields[name] = draw(st.one_of(numbers_as_text, any_text, st.none()))
    return fields


@st.composite
def trade_images(draw: st.DrawFn) -> dict[str, str]:
    images = {name: draw(st.sampled_from(["png", "jpeg"])) for name in IMAGES}
    for name in draw(st.sets(st.sampled_from(IMAGES), max_size=1)):
        images[name] = draw(st.sampled_from(["garbage", "absent"]))
    return images


@st.composite
def withdrawal_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid withdrawal with up to two fields replaced by any JSON value (or left out)."""
    body: dict[str, Any] = {name: draw(st.sampled_from(values)) for name, values in VALID_WITHDRAWAL.items()}
    for name in draw(st.sets(st.sampled_from(WITHDRAWAL_FIELDS[:-1]), max_size=2)):
        value = draw(st.one_of(json_values, numbers_as_text, st.just(KeyError)))
        if value is KeyError:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def run_in(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    return loop.run_until_complete


def bad_field(resp: httpx.Response, names: tuple[str, ...]) -> None:
    assert resp.status_code == 400, resp.text
    message = resp.json()["message"]
    assert resp.json()["success"] is False and message.split(" ", 1)[0] in names, message


def test_fuzzed_trades_are_accepted_or_refused_by_name(settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    run = run_in(loop)
    platform = build_platform(settings.model_copy(update={"peertupeer_rate_limit": "100000/minute"}))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(platform=platform), raise_app_exceptions=False),
        base_url="http://peerx.test",
    )
    try:
        key = run(_trade_setup(platform))
        counter = iter(range(1_000_000))

        @FUZZ
        @given(fields=trade_fields(), images=trade_images())
        def check(fields: dict[str, str | None], images: dict[str, str]) -> None:
            run(_submit(client, platform, key, fields, images, next(counter)))

        check()
    finally:
        run(client.aclose())
        run(platform.aclose())
        loop.close()


async def _trade_setup(platform: Platform) -> str:
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    await cards.rate(platform, card_type_id=7, card_name="Steam", rate_per_unit="7.333", fee_pct="2.5")
    return str(merchant["peertupeer"]["live_key"])


async def _submit(
    client: httpx.AsyncClient,
    platform: Platform,
    key: str,
    fields: dict[str, str | None],
    images: dict[str, str],
    n: int,
) -> None:
    data = {name: value for name, value in fields.items() if value is not None}
    files = {}
    for name, kind in images.items():
        colour = (n % 256, (n // 256) % 256, len(name))  # new bytes each time: files are stored by content
        if kind == "png":
            files[name] = (f"{name}.png", png(colour), "image/png")
        elif kind == "jpeg":
            files[name] = (f"{name}.jpg", jpeg(colour), "image/jpeg")
        elif kind == "garbage":
            files[name] = (f"{name}.png", b"\x89PNG\r\n\x1a\n" + bytes([n % 256]) * 30, "image/png")
    before = await count_rows(platform)
    resp = await client.post(f"{PTP}/trades.php", data=data, files=files, headers={"X-API-Key": key})
    after = await count_rows(platform)
    event(f"{resp.status_code} {resp.json().get('message', '').split(' ', 1)[0]}")  # --hypothesis-show-statistics
    if resp.status_code == 200:
        assert after["trades"] == before["trades"] + 1 and after["events"] == before["events"] + 1
        assert set(resp.json()["data"]) == {
            "reference",
            "status",
            "card_amount",
            "currency",
            "gross_payout_ghs",
            "fee_ghs",
            "net_payout_ghs",
        }
    else:
        bad_field(resp, (*TRADE_FIELDS, *IMAGES, "body"))
        assert after == before


def test_fuzzed_withdrawals_are_accepted_or_refused_by_name(settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    run = run_in(loop)
    platform = build_platform(settings.model_copy(update={"peertupeer_rate_limit": "100000/minute"}))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(platform=platform), raise_app_exceptions=False),
        base_url="http://peerx.test",
    )
    try:
        key = run(_withdrawal_setup(platform))

        @FUZZ
        @given(body=withdrawal_bodies())
        def check(body: dict[str, Any]) -> None:
            run(_withdraw(client, platform, key, body))

        check()
    finally:
        run(client.aclose())
        run(platform.aclose())
        loop.close()


async def _withdrawal_setup(platform: Platform) -> str:
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "1000000", livemode=False)
    return str(merchant["peertupeer"]["test_key"])


async def _balances(client: httpx.AsyncClient, key: str) -> tuple[Decimal, Decimal]:
    data = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": key})).json()["data"]
    return Decimal(str(data["available_balance"])), Decimal(str(data["held_balance"]))


async def _withdraw(client: httpx.AsyncClient, platform: Platform, key: str, body: dict[str, Any]) -> None:
    before, balances = await count_rows(platform), await _balances(client, key)
    resp = await client.post(f"{PTP}/withdrawals.php", json=body, headers={"X-API-Key": key})
    after, now = await count_rows(platform), await _balances(client, key)
    event(f"{resp.status_code} {resp.json().get('message', '').split(' ', 1)[0]}")
    if resp.status_code == 200:
        amount = Decimal(str(resp.json()["data"]["amount"]))
        assert after["withdrawals"] == before["withdrawals"] + 1
        assert now == (balances[0] - amount, balances[1] + amount)
    else:
        if resp.json()["message"] != "Insufficient balance.":  # the document's own wording, no field
            bad_field(resp, WITHDRAWAL_FIELDS)
        assert after == before and now == balances

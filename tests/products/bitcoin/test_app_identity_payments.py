"""Payment data hashes as the app makes them (peach-app src/utils/paymentMethod/hashPaymentData.ts):
sha256 hex of the lower-cased value of every filled-in field outside its do-not-hash list, in
the order of its PaymentDataInfoFields. A payment account is one Peach account's by its
identifiers (IBAN, phone, email, ...): a shared BIC or a common name never blocks anyone."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import func, select

from peerx.platform import Platform
from peerx.products.bitcoin.market import catalogue
from peerx.products.bitcoin.models import PeachOffer, PeachPaymentHash
from tests.fixtures.factories.bitcoin import App
from tests.products.bitcoin import contract_helpers as flow

# The app's field order (src/store/usePaymentDataStore/types.ts) and do-not-hash list.
APP_FIELDS = (
    "accountNumber",
    "accountType",
    "alias",
    "aliasType",
    "bankAccountNumber",
    "bankBranch",
    "bankCode",
    "bankName",
    "beneficiary",
    "beneficiaryAddress",
    "bic",
    "branchCode",
    "branchName",
    "bsbNumber",
    "cedulaID",
    "DNI",
    "email",
    "iban",
    "lnurlAddress",
    "mobileMoneyIdentifier",
    "name",
    "nameTag",
    "phone",
    "pixAlias",
    "postePayNumber",
    "receiveAddress",
    "receiveAddressEthereum",
    "receiveAddressSolana",
    "receiveAddressTron",
    "reference",
    "residentialAddress",
    "routingDetails",
    "RUT",
    "steamFriendCode",
    "ukBankAccount",
    "ukSortCode",
    "userId",
    "userName",
    "wallet",
    "mpesa_name",
    "mpesa_phone",
    "mpesa_finalCurrency",
)
DO_NOT_HASH = {"beneficiary", "bic", "name", "reference", "ukSortCode", "mpesa_name", "residentialAddress"}
DO_NOT_HASH |= {"mpesa_finalCurrency"}


def app_hashes(data: dict[str, str]) -> list[str]:
    """hashPaymentData(data).map(item => item.hash)."""
    return [
        hashlib.sha256(data[field].lower().encode()).hexdigest()
        for field in APP_FIELDS
        if field not in DO_NOT_HASH and data.get(field)
    ]


def person(name: str = "Ama Mensah") -> dict[str, str]:
    """One person's values for every field a template may ask for."""
    digits = "".join(secrets.choice("0123456789") for _ in range(18))
    return {
        "beneficiary": name,
        "iban": f"DE{digits[:2]} {digits[2:6]} {digits[6:10]} {digits[10:14]} {digits[14:18]} 00",
        "bic": "COBADEFFXXX",
        "userName": f"@User{digits[:6]}",
        "email": f"Ama.{digits[:8]}@Example.org",
        "phone": f"+41 79 {digits[:7]}",
        "ukBankAccount": digits[:8],
        "ukSortCode": "20-00-00",
        "accountNumber": digits[:12],
        "receiveAddress": f"VJL{digits}",
        "lnurlAddress": f"ama{digits[:6]}@walletofsatoshi.com",
        "reference": "peach trade",
    }


def app_data(method: catalogue.Method, values: dict[str, str]) -> dict[str, str]:
    """What the app's form fills in: the first alternative of each requirement, plus a reference."""
    fields = [field for requirement in method.mandatory for field in requirement[0]]
    data = {field: values[field] for field in fields}
    if "reference" in method.optional:
        data["reference"] = values["reference"]
    return data


async def offer_with(app: App, method_id: str, hashes: list[str]) -> Any:
    method = catalogue.METHODS[method_id]
    body = app.sell_body(
        meansOfPayment={method.currencies[0]: [method_id]}, paymentData={method_id: {"hashes": hashes}}
    )
    return await app.post("/offer", body)


async def test_every_method_takes_the_apps_hashes(app_factory: Any) -> None:
    app = await app_factory()
    values = person()
    for method_id, method in catalogue.METHODS.items():
        hashes = app_hashes(app_data(method, values)) if not catalogue.is_cash(method_id) else []
        answer = await offer_with(app, method_id, hashes)
        assert answer.status_code == 200, (method_id, answer.text)
        assert answer.json()["paymentData"] == {method_id: {"hashes": hashes}}
    # SEPA from the app: beneficiary, IBAN, BIC and a reference make one hash, the IBAN's.
    sepa = app_data(catalogue.METHODS["sepa"], values)
    assert app_hashes(sepa) == [hashlib.sha256(values["iban"].lower().encode()).hexdigest()]


async def test_one_bank_and_one_name_are_shared_but_an_iban_is_one_accounts(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, copycat = await app_factory(), await app_factory(), await app_factory()
    sepa = catalogue.METHODS["sepa"]
    # Two customers of the same bank with the same name trade with each other.
    seller_data, buyer_data = app_data(sepa, person()), app_data(sepa, person())
    assert seller_data["bic"] == buyer_data["bic"] and seller_data["beneficiary"] == buyer_data["beneficiary"]
    sell_id, _ = await flow.funded_sell_offer(
        seller, platform, run_jobs, paymentData={"sepa": {"hashes": app_hashes(seller_data)}}
    )
    buy_id = await flow.buy_offer(buyer, paymentData={"sepa": {"hashes": app_hashes(buyer_data)}})
    encrypted, signature = flow.symmetric_key_for(buyer, seller, flow.CHAT_KEY)
    matched = await buyer.post(
        f"/offer/{buy_id}/match",
        flow.match_body(sell_id, symmetricKeyEncrypted=encrypted, symmetricKeySignature=signature),
    )
    assert matched.status_code == 200, matched.text
    doubled = await seller.post(f"/offer/{sell_id}/match", flow.double_match_body(buy_id))
    assert doubled.json()["contractId"] == f"{sell_id}-{buy_id}" and doubled.json()["success"] is True

    # The same IBAN under another account is refused, whatever the name and however it is
    # spelled in case (the app lower-cases before hashing); nothing is written.
    async with platform.db.transaction() as session:
        before = await session.scalar(select(func.count()).select_from(PeachOffer))
        held = await session.scalar(select(func.count()).select_from(PeachPaymentHash))
    stolen = {**app_data(sepa, person("Kofi Boateng")), "iban": seller_data["iban"].lower()}
    taken = await offer_with(copycat, "sepa", app_hashes(stolen))
    assert taken.status_code == 401 and taken.json()["error"] == "PAYMENT_HASH_INVALID"
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PeachOffer)) == before
        assert await session.scalar(select(func.count()).select_from(PeachPaymentHash)) == held
    # Its owner may use it again, in another method that carries an IBAN too.
    again = await offer_with(seller, "instantSepa", app_hashes(seller_data))
    assert again.status_code == 200, again.text
    # A phone number is an identifier as well (TWINT: beneficiary and phone).
    twint = app_data(catalogue.METHODS["twint"], person())
    assert (await offer_with(seller, "twint", app_hashes(twint))).status_code == 200
    refused = await offer_with(copycat, "twint", app_hashes({**twint, "beneficiary": "Kofi Boateng"}))
    assert refused.status_code == 401 and refused.json()["error"] == "PAYMENT_HASH_INVALID"


async def test_hash_counts_between_the_apps_and_the_documents(app_factory: Any) -> None:
    app = await app_factory()
    # The document's shape, one hash per template field, works as before (SEPA: 3 or 4).
    doc = [f"{i:064x}" for i in range(1, 5)]
    assert (await offer_with(app, "sepa", doc[:3])).status_code == 200
    assert (await offer_with(app, "instantSepa", doc)).status_code == 200
    for hashes, why in (
        ([], "needs 1 to 4"),
        ([f"{i:064x}" for i in range(10, 15)], "needs 1 to 4"),
        ([doc[0], doc[0]], "needs 1 to 4 distinct"),
        (["DE89370400440532013000"], "sha256 hex"),
    ):
        refused = await offer_with(app, "sepa", hashes)
        assert refused.status_code == 400 and refused.json()["error"] == "FORM_INVALID", hashes
        assert why in refused.json()["message"] and "paymentData" in refused.json()["message"]

"""The same chain tests against every backend: funding and confirmations, a cooperative escrow
spend verified signature by signature, forged and double spends refused, the timeout branch."""

from __future__ import annotations

from coincurve import PrivateKey
from embit.script import Witness
from embit.transaction import Transaction

from peerx.chain import psbt as psbts
from peerx.chain import script as scripts
from peerx.chain.errors import TransactionRejected
from peerx.chain.keys import EscrowKeys, new_extended_private_key
from peerx.platform import Platform
from tests.chain.conftest import Harness

KEYS = EscrowKeys(new_extended_private_key("regtest", b"\x07" * 32), "regtest")


def escrow(seller: PrivateKey, index: int = 1) -> tuple[bytes, str]:
    witness_script = scripts.escrow_script(seller.public_key.format(), KEYS.public_key(index))
    return witness_script, scripts.address_of(scripts.p2wsh_script_pubkey(witness_script), "regtest")


def wallet_address(key: PrivateKey) -> tuple[bytes, str]:
    spk = scripts.p2wpkh_script_pubkey(key.public_key.format())
    return spk, scripts.address_of(spk, "regtest")


async def test_funding_is_seen_in_the_mempool_then_confirmed(chain: Harness, platform: Platform) -> None:
    _, address = escrow(PrivateKey())
    async with platform.db.transaction() as session:
        assert await chain.backend.address_outputs(session, address) == []
        txid = await chain.fund(session, address, 150_000)
        [seen] = await chain.backend.address_outputs(session, address)
        assert (seen.txid, seen.vout, seen.value, seen.height) == (txid, 0, 150_000, None)
        tip = await chain.backend.tip_height(session)
        await chain.mine(session, 2)
        assert await chain.backend.tip_height(session) == tip + 2
        [confirmed] = await chain.backend.address_outputs(session, address)
        assert confirmed.height == tip + 1
        view = await chain.backend.get_tx(session, txid)
    assert view is not None
    assert view["txid"] == txid and view["status"]["confirmed"] is True
    assert view["vin"][0]["is_coinbase"] is True
    assert view["vout"][0] == {
        "scriptpubkey": view["vout"][0]["scriptpubkey"],
        "scriptpubkey_asm": "OP_0 OP_PUSHBYTES_32 " + view["vout"][0]["scriptpubkey"][4:],
        "scriptpubkey_type": "v0_p2wsh",
        "scriptpubkey_address": address,
        "value": 150_000,
    }


async def test_cooperative_spend_needs_both_signatures_and_spends_once(chain: Harness, platform: Platform) -> None:
    seller, stranger = PrivateKey(), PrivateKey()
    witness_script, address = escrow(seller)
    refund_spk, _ = wallet_address(seller)
    async with platform.db.transaction() as session:
        txid = await chain.fund(session, address, 100_000)
        await chain.mine(session, 1)

        def spend(value: int, *signers: PrivateKey) -> Transaction:
            psbt = psbts.build_escrow_spend(witness_script, [psbts.Utxo(txid, 0, 100_000)], [(refund_spk, value)])
            psbts.sign_escrow_inputs(psbt, KEYS.private_key(1))
            for key in signers:
                psbts.sign_escrow_inputs(psbt, key)
            return psbts.finalize_cooperative(psbt)

        # A stranger's signature in the seller's place.
        forged = spend(99_000, seller)
        forged.vin[0].witness = Witness(
            [forged.vin[0].witness.items[0], _sig(forged, witness_script, stranger), b"", witness_script]
        )
        for bad in (forged, _tamper(spend(99_000, seller))):
            try:
                await chain.backend.broadcast(session, bad.serialize().hex())
            except TransactionRejected as exc:
                assert exc.message
            else:
                raise AssertionError("a badly signed spend was accepted")

        good = spend(99_000, seller)
        broadcast_txid = await chain.backend.broadcast(session, good.serialize().hex())
        assert broadcast_txid == good.txid().hex()
        double = spend(98_000, seller)  # same input, other outputs
        try:
            await chain.backend.broadcast(session, double.serialize().hex())
        except TransactionRejected:
            pass
        else:
            raise AssertionError("a double spend was accepted")
        await chain.mine(session, 1)
        view = await chain.backend.get_tx(session, broadcast_txid)
    assert view is not None
    assert view["fee"] == 1_000 and view["status"]["confirmed"] is True
    assert view["vin"][0]["witness"][2] == "" and view["vin"][0]["witness"][3] == witness_script.hex()


def _sig(tx: Transaction, witness_script: bytes, key: PrivateKey) -> bytes:
    from embit.script import Script

    digest = tx.sighash_segwit(0, Script(witness_script), 100_000, sighash=1)
    return bytes(key.sign(digest, hasher=None)) + b"\x01"


def _tamper(tx: Transaction) -> Transaction:
    tx.vout[0].value -= 1  # signatures no longer cover the outputs
    return tx


async def test_the_platform_alone_spends_only_after_the_timeout(chain: Harness, platform: Platform) -> None:
    witness_script, address = escrow(PrivateKey(), index=2)
    platform_spk, _ = wallet_address(PrivateKey())
    async with platform.db.transaction() as session:
        txid = await chain.fund(session, address, 50_000)
        await chain.mine(session, 1)
        psbt = psbts.build_escrow_spend(witness_script, [psbts.Utxo(txid, 0, 50_000)], [(platform_spk, 49_000)])
        tx = psbt.tx
        tx.vin[0].sequence = scripts.ESCROW_TIMEOUT_BLOCKS
        from embit.script import Script

        digest = tx.sighash_segwit(0, Script(witness_script), 50_000, sighash=1)
        signature = bytes(KEYS.private_key(2).sign(digest, hasher=None)) + b"\x01"
        tx.vin[0].witness = Witness([signature, b"\x01", witness_script])
        try:
            await chain.backend.broadcast(session, tx.serialize().hex())
        except TransactionRejected as exc:
            assert "timelock" in exc.message
        else:
            raise AssertionError("spent before the timeout")
        await chain.mine(session, scripts.ESCROW_TIMEOUT_BLOCKS - 1)
        assert await chain.backend.broadcast(session, tx.serialize().hex()) == tx.txid().hex()


async def test_fee_estimates_have_the_documented_names(chain: Harness, platform: Platform) -> None:
    async with platform.db.transaction() as session:
        fees = await chain.backend.fee_estimates(session)
    assert set(fees) == {"fastestFee", "halfHourFee", "hourFee", "economyFee", "minimumFee"}
    assert fees["fastestFee"] >= fees["economyFee"] > 0

"""Checks a transaction's spends as a node would for the scripts peerx meets: P2WPKH and the
escrow P2WSH (both branches, with BIP68 relative timelocks). The sandbox chain refuses
anything else, so no coin on it moves without valid signatures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from coincurve import PublicKey
from embit.script import Script
from embit.transaction import Transaction

from peerx.chain import script as scripts
from peerx.chain.errors import TransactionRejected

SIGHASH_TYPES = {0x01, 0x02, 0x03, 0x81, 0x82, 0x83}
SEQUENCE_DISABLE = 1 << 31
SEQUENCE_TYPE_TIME = 1 << 22


@dataclass(frozen=True)
class Prevout:
    value: int
    script_pubkey: bytes
    height: int | None  # block of the transaction that created it; None while in the mempool


def parse_tx(raw_hex: str) -> Transaction:
    try:
        tx = Transaction.from_string(raw_hex.strip())
    except Exception:
        raise TransactionRejected("The transaction could not be decoded.") from None
    if tx.serialize().hex() != raw_hex.strip().lower():
        raise TransactionRejected("The transaction has trailing or non-canonical data.")
    if not tx.vin or not tx.vout:
        raise TransactionRejected("The transaction needs inputs and outputs.")
    return tx


def check_signature(tx: Transaction, index: int, script_code: bytes, value: int, pubkey: bytes, sig: bytes) -> None:
    if len(sig) < 9 or sig[-1] not in SIGHASH_TYPES:
        raise TransactionRejected(f"input {index}: bad signature encoding")
    digest = tx.sighash_segwit(index, Script(script_code), value, sighash=sig[-1])
    try:
        valid = PublicKey(pubkey).verify(sig[:-1], digest, hasher=None)
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise TransactionRejected(f"input {index}: invalid signature")


def check_input(tx: Transaction, index: int, prevout: Prevout, tip_height: int) -> None:
    spk = prevout.script_pubkey
    witness = [item for item in tx.vin[index].witness.items]
    if tx.vin[index].script_sig.data:
        raise TransactionRejected(f"input {index}: native segwit inputs carry no scriptSig")
    if len(spk) == 22 and spk[:2] == b"\x00\x14":
        if len(witness) != 2 or scripts.hash160(witness[1]) != spk[2:]:
            raise TransactionRejected(f"input {index}: witness does not match the P2WPKH output")
        code = b"\x76\xa9\x14" + spk[2:] + b"\x88\xac"
        check_signature(tx, index, code, prevout.value, witness[1], witness[0])
        return
    if len(spk) == 34 and spk[:2] == b"\x00\x20":
        if not witness or hashlib.sha256(witness[-1]).digest() != spk[2:]:
            raise TransactionRejected(f"input {index}: witness script does not match the P2WSH output")
        terms = scripts.parse_escrow_script(witness[-1])
        if terms is None:
            raise TransactionRejected(f"input {index}: unsupported witness script")
        code = witness[-1]
        if len(witness) == 4 and witness[2] == b"":  # cooperative: platform and seller
            check_signature(tx, index, code, prevout.value, terms.seller_pk, witness[1])
            check_signature(tx, index, code, prevout.value, terms.platform_pk, witness[0])
            return
        if len(witness) == 3 and witness[1] == b"\x01":  # the platform alone, after the timeout
            _check_relative_lock(tx, index, terms.timeout, prevout, tip_height)
            check_signature(tx, index, code, prevout.value, terms.platform_pk, witness[0])
            return
        raise TransactionRejected(f"input {index}: witness does not satisfy the escrow script")
    raise TransactionRejected(f"input {index}: unsupported output type")


def _check_relative_lock(tx: Transaction, index: int, blocks: int, prevout: Prevout, tip_height: int) -> None:
    sequence = tx.vin[index].sequence
    if tx.version < 2 or sequence & SEQUENCE_DISABLE or sequence & SEQUENCE_TYPE_TIME or sequence & 0xFFFF < blocks:
        raise TransactionRejected(f"input {index}: the escrow timeout branch needs a relative lock of {blocks} blocks")
    # The spend would be mined in the next block: its depth then is tip - height + 1.
    if prevout.height is None or tip_height + 1 - prevout.height < sequence & 0xFFFF:
        raise TransactionRejected(f"input {index}: the escrow timelock has not expired (non-BIP68-final)")


def check_transaction(tx: Transaction, prevouts: list[Prevout], tip_height: int) -> int:
    """Verify every input; returns the fee. Raises TransactionRejected."""
    if len(prevouts) != len(tx.vin):
        raise TransactionRejected("every input must spend a known output")
    for index, prevout in enumerate(prevouts):
        check_input(tx, index, prevout, tip_height)
    fee = sum(p.value for p in prevouts) - sum(out.value for out in tx.vout)
    if fee < 0:
        raise TransactionRejected("The outputs are worth more than the inputs.")
    return int(fee)

"""PSBTs spending escrow outputs: built by the platform (refund to the seller, release to the
buyer), signed by the platform's per-offer key and completed by the seller's signature."""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PrivateKey
from embit.psbt import PSBT
from embit.script import Script, Witness
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from peerx.chain import script as scripts
from peerx.chain.errors import TransactionRejected

SIGHASH_ALL = 0x01


@dataclass(frozen=True)
class Utxo:
    txid: str
    vout: int
    value: int


# vbytes of one escrow input spent cooperatively (two 73-byte signatures, the 78-byte script)
# and of the transaction's fixed part; outputs are measured from their scripts.
ESCROW_INPUT_VBYTES = 41 + (1 + 74 + 74 + 1 + 79 + 3) // 4
TX_OVERHEAD_VBYTES = 11


def estimate_vsize(inputs: int, output_scripts: list[bytes]) -> int:
    return TX_OVERHEAD_VBYTES + inputs * ESCROW_INPUT_VBYTES + sum(9 + len(s) for s in output_scripts)


def build_escrow_spend(witness_script: bytes, utxos: list[Utxo], outputs: list[tuple[bytes, int]]) -> PSBT:
    """A version-2 transaction spending `utxos` (all paying to the escrow script) to `outputs`."""
    spk = scripts.p2wsh_script_pubkey(witness_script)
    tx = Transaction(
        version=2,
        vin=[TransactionInput(bytes.fromhex(u.txid), u.vout, sequence=0xFFFFFFFD) for u in utxos],
        vout=[TransactionOutput(value, Script(script)) for script, value in outputs],
        locktime=0,
    )
    psbt = PSBT(tx)
    for psbt_input, utxo in zip(psbt.inputs, utxos, strict=True):
        psbt_input.witness_utxo = TransactionOutput(utxo.value, Script(spk))
        psbt_input.witness_script = Script(witness_script)
        psbt_input.sighash_type = SIGHASH_ALL
    return psbt


def sign_escrow_inputs(psbt: PSBT, key: PrivateKey, sighash: int = SIGHASH_ALL) -> None:
    """Add `key`'s partial signature to every input whose escrow script names it."""
    public = key.public_key.format(compressed=True)
    from embit.ec import PublicKey as EmbitPublicKey

    for index, psbt_input in enumerate(psbt.inputs):
        terms = scripts.parse_escrow_script(psbt_input.witness_script.data) if psbt_input.witness_script else None
        if terms is None or public not in (terms.platform_pk, terms.seller_pk):
            continue
        digest = psbt.tx.sighash_segwit(
            index, psbt_input.witness_script, psbt_input.witness_utxo.value, sighash=sighash
        )
        psbt_input.partial_sigs[EmbitPublicKey.parse(public)] = key.sign(digest, hasher=None) + bytes([sighash])


def finalize_cooperative(psbt: PSBT) -> Transaction:
    """The witness [platformSig, sellerSig, OP_FALSE, script] on every input; needs both signatures."""
    tx = Transaction.parse(psbt.tx.serialize())
    for index, psbt_input in enumerate(psbt.inputs):
        terms = scripts.parse_escrow_script(psbt_input.witness_script.data) if psbt_input.witness_script else None
        if terms is None:
            raise TransactionRejected(f"input {index} does not spend an escrow")
        sigs = {key.sec(): sig for key, sig in psbt_input.partial_sigs.items()}
        if terms.platform_pk not in sigs or terms.seller_pk not in sigs:
            raise TransactionRejected(f"input {index} lacks a signature")
        tx.vin[index].witness = Witness(
            [sigs[terms.platform_pk], sigs[terms.seller_pk], b"", psbt_input.witness_script.data]
        )
    return tx


def psbt_from_base64(value: str) -> PSBT:
    try:
        return PSBT.from_string(value)
    except Exception:
        raise TransactionRejected("The PSBT could not be decoded.") from None

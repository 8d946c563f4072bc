"""Moving a contract's escrow to the buyer. At match time the platform pre-signs the release
PSBT (the buyer's address gets the escrow minus the escrow fee, which goes to the platform's fee
address, minus the mining fee at the buyer's fee rate); when the seller confirms the payment it
adds its signature and peerx completes the witness and broadcasts. A buyer who enabled batching
also gets a SINGLE|ANYONECANPAY variant that a scheduled job joins with others into one
transaction. After a dispute won by the buyer the platform pays out alone, through the
script's timeout branch, once the escrow is old enough."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from embit.ec import PublicKey as EmbitPublicKey
from embit.psbt import PSBT
from embit.script import Script, Witness
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from peerx.chain import psbt as psbts
from peerx.chain import script as scripts
from peerx.chain.errors import TransactionRejected
from peerx.chain.verify import check_signature, parse_tx
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts.multisig import DUST
from peerx.products.bitcoin.models import Contract, PeachEscrow

SINGLE_ANYONECANPAY = 0x83
FEE_KEY_INDEX = 0  # offer ids start at 1, so this platform key never guards an escrow


def fee_address(peach: Peach) -> str:
    if peach.settings.peach_fee_address:
        return peach.settings.peach_fee_address
    spk = scripts.p2wpkh_script_pubkey(peach.keys.public_key(FEE_KEY_INDEX))
    return scripts.address_of(spk, peach.settings.bitcoin_network)


def utxos_of(escrow: PeachEscrow) -> list[psbts.Utxo]:
    return [
        psbts.Utxo(txid, vout, value)
        for txid, vout, value in zip(escrow.funding_txids, escrow.funding_vouts, escrow.funding_amounts, strict=True)
    ]


def escrow_fee_sats(contract: Contract) -> int:
    fee = int((contract.amount * contract.buyer_fee).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return fee if fee >= DUST else 0  # an output below dust could not be relayed: waived


def _output_scripts(peach: Peach, contract: Contract) -> list[bytes]:
    """The buyer's output script, then the platform's fee output script when there is a fee."""
    network = peach.settings.bitcoin_network
    buyer = scripts.script_pubkey_of(contract.release_address, network)
    return [buyer, scripts.script_pubkey_of(fee_address(peach), network)] if contract.escrow_fee_sats else [buyer]


def _outputs(peach: Peach, contract: Contract, utxos: list[psbts.Utxo], rate: Decimal) -> list[tuple[bytes, int]]:
    """The release's outputs: the escrow less the escrow fee and the mining fee to the buyer."""
    spks = _output_scripts(peach, contract)
    mining = math.ceil(rate * psbts.estimate_vsize(len(utxos), spks))
    fee = contract.escrow_fee_sats or 0
    value = sum(u.value for u in utxos) - fee - mining
    if value < DUST:
        raise f.FormInvalid("amount", "the escrow holds less than the release's fees")
    return [(spks[0], value), *([(spks[1], fee)] if fee else [])]


def prepare(peach: Peach, contract: Contract, escrow: PeachEscrow, rate: Decimal, batching: bool) -> None:
    """Build and pre-sign the release PSBT(s) of a new contract."""
    utxos = utxos_of(escrow)
    contract.escrow_fee_sats = escrow_fee_sats(contract)
    outputs = _outputs(peach, contract, utxos, rate)
    contract.release_fee = sum(u.value for u in utxos) - sum(v for _, v in outputs)
    witness_script = bytes.fromhex(escrow.witness_script)
    psbt = psbts.build_escrow_spend(witness_script, utxos, outputs)
    key = peach.keys.private_key(escrow.key_index)
    psbts.sign_escrow_inputs(psbt, key)
    contract.release_psbt = psbt.to_string()
    if batching and len(utxos) == 1:
        # Input i pays output i (SIGHASH_SINGLE), so one escrow output and one buyer output;
        # the buyer pays its input and output only, the shared part comes out of the fees.
        buyer_spk = outputs[0][0]
        share = math.ceil(rate * (psbts.ESCROW_INPUT_VBYTES + 9 + len(buyer_spk)))
        value = utxos[0].value - contract.escrow_fee_sats - share
        if value >= DUST:
            batch = psbts.build_escrow_spend(witness_script, utxos, [(buyer_spk, value)])
            batch.inputs[0].sighash_type = SINGLE_ANYONECANPAY
            psbts.sign_escrow_inputs(batch, key, SINGLE_ANYONECANPAY)
            contract.batch_release_psbt = batch.to_string()


def _verified(mine: PSBT, index: int, sig: bytes, escrow: PeachEscrow, sighash: int, field: str) -> None:
    """Check the seller's signature `sig` (DER + sighash byte) over input `index` of the
    platform's PSBT and keep it there, next to the platform's."""
    seller_pk = bytes.fromhex(escrow.seller_public_key)
    if not sig or sig[-1] != sighash:
        raise f.InvalidSignature(field, f"input {index} lacks the seller's signature")
    try:
        check_signature(
            mine.tx, index, bytes.fromhex(escrow.witness_script), mine.inputs[index].witness_utxo.value, seller_pk, sig
        )
    except TransactionRejected:
        raise f.InvalidSignature(field, f"input {index}: the seller's signature is invalid") from None
    mine.inputs[index].partial_sigs[EmbitPublicKey.parse(seller_pk)] = sig


def _seller_signed(stored: str, submitted: str, escrow: PeachEscrow, sighash: int, field: str) -> PSBT:
    """The platform's PSBT with the seller's signatures taken from `submitted` (the body's `field`), each verified."""
    mine = psbts.psbt_from_base64(stored)
    theirs = psbts.psbt_from_base64(submitted)
    if theirs.tx.serialize() != mine.tx.serialize():
        raise TransactionRejected("The PSBT is not this contract's release.")
    seller_pk = bytes.fromhex(escrow.seller_public_key)
    for index, signed in enumerate(theirs.inputs):
        sig = next((s for k, s in signed.partial_sigs.items() if k.sec() == seller_pk), b"")
        _verified(mine, index, sig, escrow, sighash, field)
    return mine


def complete(contract: Contract, escrow: PeachEscrow, submitted: str) -> Transaction:
    """The release transaction, witness completed, from the seller's signed PSBT."""
    assert contract.release_psbt is not None
    return psbts.finalize_cooperative(
        _seller_signed(contract.release_psbt, submitted, escrow, psbts.SIGHASH_ALL, "releasePsbt")
    )


def complete_with_signature(contract: Contract, escrow: PeachEscrow, signature_hex: str) -> Transaction:
    """The release transaction from the app's `releaseTransactionSignature`: the seller's DER
    signature and sighash byte over input 0 of the contract's release PSBT (the app signs that
    one input only, so an escrow funded by several outputs needs the signed PSBT instead)."""
    assert contract.release_psbt is not None
    field = "releaseTransactionSignature"
    mine = psbts.psbt_from_base64(contract.release_psbt)
    if len(mine.inputs) != 1:
        raise f.FormInvalid(field, f"signs input 0 only; this release spends {len(mine.inputs)}: send releasePsbt")
    _verified(mine, 0, bytes.fromhex(signature_hex), escrow, psbts.SIGHASH_ALL, field)
    return psbts.finalize_cooperative(mine)


def check_signature_only(contract: Contract, escrow: PeachEscrow, signature_hex: str) -> None:
    """Verify the app's input-0 signature without keeping it (the batched path releases with
    the batch PSBT; a signature by the wrong key is refused all the same)."""
    assert contract.release_psbt is not None
    mine = psbts.psbt_from_base64(contract.release_psbt)
    _verified(mine, 0, bytes.fromhex(signature_hex), escrow, psbts.SIGHASH_ALL, "releaseTransactionSignature")


def complete_from_transaction(contract: Contract, escrow: PeachEscrow, raw: str) -> Transaction:
    """The release from an older app's `releaseTransaction` (hex, finalized by the app): it must
    be this contract's release; the seller's signature is taken from each input's witness and
    verified, and peerx writes the witness itself with its own signature."""
    assert contract.release_psbt is not None
    field = "releaseTransaction"
    mine = psbts.psbt_from_base64(contract.release_psbt)
    tx = parse_tx(raw)
    unsigned = parse_tx(raw)
    for txin in unsigned.vin:
        txin.witness = Witness([])
    if unsigned.serialize() != mine.tx.serialize():
        raise TransactionRejected("The transaction is not this contract's release.")
    seller_pk = bytes.fromhex(escrow.seller_public_key)
    script_code = bytes.fromhex(escrow.witness_script)
    for index, txin in enumerate(tx.vin):
        value = mine.inputs[index].witness_utxo.value
        sig = next(
            (item for item in txin.witness.items if _signs(mine.tx, index, script_code, value, seller_pk, item)), b""
        )
        _verified(mine, index, sig, escrow, psbts.SIGHASH_ALL, field)
    return psbts.finalize_cooperative(mine)


def _signs(tx: Transaction, index: int, script_code: bytes, value: int, pubkey: bytes, item: bytes) -> bool:
    try:
        check_signature(tx, index, script_code, value, pubkey, item)
    except TransactionRejected:
        return False
    return True


def complete_batch_input(contract: Contract, escrow: PeachEscrow, submitted: str) -> str:
    """Keep the seller's SINGLE|ANYONECANPAY signature with the platform's, for the batch job."""
    if contract.batch_release_psbt is None:
        raise f.FormInvalid("batchReleasePsbt", "this contract has no batched release")
    signed = _seller_signed(contract.batch_release_psbt, submitted, escrow, SINGLE_ANYONECANPAY, "batchReleasePsbt")
    return str(signed.to_string())


def join_batch(signed: list[str]) -> Transaction:
    """One transaction from the contracts' signed batch PSBTs: input i with its buyer output i,
    then one output with their escrow fees to the platform (less the shared mining fee)."""
    vin: list[TransactionInput] = []
    vout: list[TransactionOutput] = []
    for encoded in signed:
        one = psbts.finalize_cooperative(psbts.psbt_from_base64(encoded))
        vin.append(one.vin[0])
        vout.append(one.vout[0])
    return Transaction(version=2, vin=vin, vout=vout, locktime=0)


def add_fee_output(peach: Peach, tx: Transaction, fees: int, rate: Decimal) -> None:
    fee_spk = scripts.script_pubkey_of(fee_address(peach), peach.settings.bitcoin_network)
    value = fees - math.ceil(rate * (psbts.TX_OVERHEAD_VBYTES + 9 + len(fee_spk)))
    if value >= DUST:  # else the fees pay the miners
        tx.vout.append(TransactionOutput(value, Script(fee_spk)))


def timeout_payout(peach: Peach, contract: Contract, escrow: PeachEscrow, rate: Decimal) -> Transaction:
    """The platform alone pays the buyer: witness [platformSig, OP_TRUE, script] with the
    script's relative lock as the input sequence (valid once the escrow is that deep)."""
    witness_script = bytes.fromhex(escrow.witness_script)
    terms = scripts.parse_escrow_script(witness_script)
    assert terms is not None
    utxos = utxos_of(escrow)
    tx = Transaction(
        version=2,
        vin=[TransactionInput(bytes.fromhex(u.txid), u.vout, sequence=terms.timeout) for u in utxos],
        vout=[TransactionOutput(v, Script(s)) for s, v in _outputs(peach, contract, utxos, rate)],
        locktime=0,
    )
    key = peach.keys.private_key(escrow.key_index)
    for index, utxo in enumerate(utxos):
        digest = tx.sighash_segwit(index, Script(witness_script), utxo.value, sighash=psbts.SIGHASH_ALL)
        tx.vin[index].witness = Witness(
            [key.sign(digest, hasher=None) + bytes([psbts.SIGHASH_ALL]), b"\x01", witness_script]
        )
    return tx

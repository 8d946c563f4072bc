"""Keys, the escrow script and addresses, signatures in the encodings the app uses."""

from __future__ import annotations

import base64
import hashlib

import pytest
from coincurve import PrivateKey

from peerx.chain import keys, script
from peerx.products.bitcoin.offers import address_proof as message

SELLER = bytes.fromhex("03e448b2397c1880e39853371af5346e7e7972c9d6e26dbbb39ff6c2227aa19c80")
PLATFORM = bytes.fromhex("02c3f68178d567253170cd47c896c5e4045e40026ef6f1e2e361d968552dc02496")


def test_escrow_script_is_the_template_byte_for_byte() -> None:
    built = script.escrow_script(SELLER, PLATFORM)
    # OP_IF <4320 = 0x10e0, little endian> OP_CSV OP_DROP OP_ELSE <seller> OP_CHECKSIGVERIFY OP_ENDIF
    # <platform> OP_CHECKSIG
    assert built.hex() == "6302e010b27567" + "21" + SELLER.hex() + "ad68" + "21" + PLATFORM.hex() + "ac"
    terms = script.parse_escrow_script(built)
    assert terms == script.EscrowTerms(SELLER, PLATFORM, 4320)
    assert script.parse_escrow_script(built[:-1] + b"\xad") is None


@pytest.mark.parametrize(
    ("network", "prefix"), [("mainnet", "bc1q"), ("testnet", "tb1q"), ("signet", "tb1q"), ("regtest", "bcrt1q")]
)
def test_addresses_follow_the_network(network: keys.NetworkName, prefix: str) -> None:
    spk = script.p2wsh_script_pubkey(script.escrow_script(SELLER, PLATFORM))
    address = script.address_of(spk, network)
    assert address.startswith(prefix) and len(address) == len(prefix) + 58
    assert script.script_pubkey_of(address, network) == spk
    other = "mainnet" if network != "mainnet" else "regtest"
    with pytest.raises(ValueError):
        script.script_pubkey_of(address, other)  # type: ignore[arg-type]


def test_platform_keys_derive_per_offer_and_repeatably() -> None:
    xprv = keys.new_extended_private_key("regtest", b"\x01" * 32)
    first, again = keys.EscrowKeys(xprv, "regtest"), keys.EscrowKeys(xprv, "regtest")
    assert first.public_key(114) == again.public_key(114) != first.public_key(115)
    assert keys.EscrowKeys.path(114) == "m/48'/0'/0'/0/114"
    assert xprv not in repr(first)
    with pytest.raises(ValueError):
        from embit import bip32

        keys.EscrowKeys(bip32.HDKey.from_string(xprv).to_public().to_base58(), "regtest")


def test_message_signatures_in_hex_base64_and_der() -> None:
    key = PrivateKey()
    text = "Peach Registration 1700000000000"
    digest = hashlib.sha256(text.encode()).digest()
    compact = keys.sign_digest_compact(key, digest)
    assert len(bytes.fromhex(compact)) == 64
    for signature in (compact, base64.b64encode(bytes.fromhex(compact)).decode(), key.sign(digest, hasher=None).hex()):
        assert keys.verify_message(key.public_key, text, signature)
    assert not keys.verify_message(key.public_key, text + "1", compact)
    assert not keys.verify_message(PrivateKey().public_key, text, compact)
    assert not keys.verify_message(key.public_key, text, "zz")


def test_release_address_proof() -> None:
    wallet = PrivateKey()
    address = script.address_of(script.p2wpkh_script_pubkey(wallet.public_key.format()), "regtest")
    wording = message.release_message("03a73739b3f005fccb", address)
    assert wording == f"I confirm that only I, peach03a73739, control the address {address}"
    signature = message.sign_address_message(wallet.secret, wording)
    assert message.verify_address_signature(address, wording, signature, "regtest")
    assert not message.verify_address_signature(address, wording.replace("03a7", "03a8"), signature, "regtest")
    other = message.sign_address_message(PrivateKey().secret, wording)
    assert not message.verify_address_signature(address, wording, other, "regtest")

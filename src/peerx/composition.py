"""The composition root: which products this build runs, and the wiring only the root does
(every product's jobs registered with the worker beside the core's, and the hooks the core
calls back into products for). create_app and the CLI
build their platform here; products never import this module."""

from __future__ import annotations

from typing import Any

from peerx.core import tasks as core_tasks
from peerx.core.parties import register_credential_issuer
from peerx.core.secrets import register_shared_secret
from peerx.core.webhooks import register_signer
from peerx.platform import Platform
from peerx.products import bitcoin, escrow, giftcards, remittances, vouchers
from peerx.products.bitcoin import tasks as bitcoin_tasks
from peerx.products.escrow import tasks as escrow_tasks
from peerx.products.giftcards import service as giftcards_service
from peerx.products.giftcards import tasks as giftcards_tasks
from peerx.products.remittances import common as remittances_common
from peerx.products.remittances import tasks as remittances_tasks
from peerx.products.vouchers import tasks as vouchers_tasks
from peerx.rails.floats import register_float_listener
from peerx.settings import Settings

PRODUCTS = (giftcards, vouchers, remittances, escrow, bitcoin)
TASK_TABLES = (
    core_tasks.TASKS,
    giftcards_tasks.TASKS,
    vouchers_tasks.TASKS,
    remittances_tasks.TASKS,
    escrow_tasks.TASKS,
    bitcoin_tasks.TASKS,
)


def register_product_hooks() -> None:
    """What the core calls back into products for: the surfaces' own webhook signatures, the
    credentials each surface issues to a new party, the rails' float listeners."""
    register_signer(giftcards_service.SURFACE, giftcards.peertupeer_signature)
    register_signer(remittances_common.SURFACE, remittances.peex_signature)
    register_credential_issuer("peertupeer", giftcards.peertupeer_keys)
    register_credential_issuer("peerwallet", vouchers.peerwallet_keys)
    register_credential_issuer("peex", remittances.peex_keys)
    register_credential_issuer("trustap", escrow.trustap_keys)
    register_float_listener(remittances_tasks.on_float_set)
    # Secrets each product would generate per data_dir: required on a shared database.
    for product in (bitcoin, escrow):
        for setting in product.SHARED_SECRETS:
            register_shared_secret(setting, product.__name__.rsplit(".", 1)[-1])


def build_platform(settings: Settings, **overrides: Any) -> Platform:
    """The platform with every job kind and product hook registered: what a server, a worker
    process or a CLI command runs."""
    register_product_hooks()
    platform = Platform.build(settings, **overrides)
    for table in TASK_TABLES:
        platform.worker.register(table)
    return platform

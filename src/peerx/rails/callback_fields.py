"""The field rules shared by the provider callback bodies (rails/<connector>/callbacks.py, served at
/rails/v1): each connector's body models are as the provider's public document shows them. Fields
a provider adds later are ignored; the fields named are parsed strictly (bounded text without
control characters, amounts in plain decimal form), so a forged or broken callback is refused
before any database work. No body is trusted: a callback only wakes the payout's job, which asks
the provider itself.

The markers come from peerx.wire, a leaf module (pydantic and one core constant); see
docs/architecture.md for why rails may import it and nothing else of peerx.web."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict

from peerx.wire import Amount, Text

Reference = Annotated[str, Text(100, numbers="any")]  # our references are UUID4s (36); providers' ids are short
ProviderText = Annotated[str, Text(1000, numbers="any")]  # echoed notes and messages: bounded, never used
ProviderWord = Annotated[str, Text(100, numbers="any")]  # statuses, codes, ids
ProviderAmount = Annotated[Decimal, Amount(high=Decimal(10**15), as_string=True)]  # "500", "5.00": plain decimal form


def examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})

"""The chain layer: compiling the contracts, the chain at scenario time over a backend (py-evm in this process by
default, or an anvil node the program starts: backend.py), actors' keys, decoded events and custom errors, and
the Beijing clock.

It knows no domain: nothing here names a wallet, an order or a packet, so a different backend or a user's own
contract plugs in here. It imports nothing from the other layers; every other layer may import it.

The names below load on first use: ``ecny_sim.chain.clock`` alone does not start py-evm.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Name -> the module of this layer that defines it.
_NAMES = {"Chain": "chain", "DEFAULT_GAS": "chain", "Deployed": "abi", "ContractRevert": "errors",
          "DecodedError": "errors", "ChainFailure": "errors", "Event": "records", "Snapshot": "records",
          "TxRecord": "records", "TxResult": "records", "Backend": "backend", "BACKENDS": "backend"}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    globals()[name] = value
    return value

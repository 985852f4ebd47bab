"""The chain layer: compiling the contracts, the in-process chain (py-evm through eth-tester) at scenario time,
actors' keys, decoded events and custom errors, and the Beijing clock.

It knows no domain: nothing here names a wallet, an order or a packet, so a different backend or a user's own
contract plugs in here. It imports nothing from the other layers; every other layer may import it.
"""

from .abi import Deployed
from .chain import DEFAULT_GAS, Chain
from .errors import ContractRevert, DecodedError
from .records import Event, Snapshot, TxRecord, TxResult

__all__ = ["Chain", "ContractRevert", "DecodedError", "DEFAULT_GAS", "Deployed", "Event", "Snapshot", "TxRecord",
           "TxResult"]

"""Sweeping py-evm's in-memory database of what no block to come can read.

py-evm keeps every trie node it ever wrote: each sealed block adds new versions of the account and storage
tries it touched, and its transactions' and receipts' tries, and nothing is ever dropped. A long run's memory
then grows with its transactions (about 6.5 KB each on Luohu's campaign, 90 % of it unreachable from the head's
state). The simulator reads only the head's state, and the states of snapshots it may revert to; it never reads
an old block's transactions or receipts back from py-evm (`Chain` keeps its own results).

A sweep marks the nodes reachable from the live roots (the head's state and every pinned snapshot's), then
deletes what they do not reach among: the nodes of the states of the blocks sealed since the last sweep, and
every trie node written since then (py-evm also writes the intermediate state roots it computes for each
transaction's receipt, which no block's root reaches); the transactions', receipts' and withdrawals' tries;
and the lookups from a transaction's hash to its block. Contract code (stored under its hash, which the live
walk collects), headers and the chain's other lookups are never deleted: a key written since the last sweep is
deleted only if its value is a trie node (an RLP list of 2 or 17 items), and headers are not. Nodes are
content-addressed, so a node shared by a dead and a live trie is live and stays.
"""

from __future__ import annotations

from typing import Iterable, MutableMapping

import rlp

__all__ = ["live_nodes", "sweep"]

BLANK_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
_LEAF_FLAGS = (2, 3)  # hex-prefix encoding: the first nibble of a leaf's path is 2 or 3


def _children(node: list) -> Iterable[bytes]:
    """The node keys a decoded trie node refers to (32-byte hashes; smaller nodes are inlined in their parent)."""
    if len(node) == 17:
        for child in node[:16]:
            if isinstance(child, list):
                yield from _children(child)
            elif len(child) == 32:
                yield child
    elif len(node) == 2 and not node[0][0] >> 4 in _LEAF_FLAGS:  # an extension: its second item is the child
        child = node[1]
        if isinstance(child, list):
            yield from _children(child)
        elif len(child) == 32:
            yield child


def _leaves(node: list) -> Iterable[bytes]:
    """The values of the leaves in a decoded node (inlined children included)."""
    if len(node) == 2:
        if node[0][0] >> 4 in _LEAF_FLAGS:
            yield node[1]
        elif isinstance(node[1], list):
            yield from _leaves(node[1])
    elif len(node) == 17:
        for child in node[:16]:
            if isinstance(child, list):
                yield from _leaves(child)


def _walk(store: MutableMapping[bytes, bytes], roots: Iterable[bytes], seen: set[bytes], stop: set[bytes],
          accounts: bool, code: set[bytes] | None = None) -> None:
    """Adds to `seen` every node reachable from `roots` that is not in `stop`; with `accounts`, the roots are
    account tries, and each account's storage trie is walked too (and its code hash added to `code`)."""
    storage_roots: list[bytes] = []
    stack = [r for r in roots if r != BLANK_ROOT]
    while stack:
        key = stack.pop()
        if key in seen or key in stop:
            continue
        encoded = store.get(key)
        if encoded is None:  # not stored (e.g. a root of a trie nothing was ever written to)
            continue
        seen.add(key)
        node = rlp.decode(encoded)
        stack.extend(_children(node))
        if accounts:
            for value in _leaves(node):
                _nonce, _balance, storage_root, code_hash = rlp.decode(value)
                if storage_root != BLANK_ROOT:
                    storage_roots.append(storage_root)
                if code is not None:
                    code.add(code_hash)
    if storage_roots:
        _walk(store, storage_roots, seen, stop, accounts=False)


def live_nodes(store: MutableMapping[bytes, bytes], state_roots: Iterable[bytes],
               code: set[bytes] | None = None) -> set[bytes]:
    """Every node of the account tries at `state_roots` and of their accounts' storage tries (and the code
    hashes of their accounts, added to `code`)."""
    seen: set[bytes] = set()
    _walk(store, state_roots, seen, set(), accounts=True, code=code)
    return seen


_LOOKUPS = (b"transaction-hash-to-block:", b"withdrawal-hash-to-block:")


def _is_trie_node(encoded: bytes) -> bool:
    if not encoded or encoded[0] < 0xC0:  # not an RLP list (code starts with an opcode below 0xc0)
        return False
    try:
        node = rlp.decode(encoded)
    except rlp.DecodingError:
        return False
    return len(node) in (2, 17)


def sweep(store: MutableMapping[bytes, bytes], live_roots: Iterable[bytes], old_state_roots: Iterable[bytes],
          other_roots: Iterable[bytes], young: Iterable[bytes] = ()) -> int:
    """Deletes from `store` what the states at `live_roots` do not reach among: the nodes of the states at
    `old_state_roots`, of the tries at `other_roots` (transactions, receipts, withdrawals), and the trie nodes
    and transaction lookups among `young` (the keys written since the last sweep). Returns how many."""
    code: set[bytes] = set()
    live = live_nodes(store, live_roots, code)
    dead: set[bytes] = set()
    _walk(store, old_state_roots, dead, live, accounts=True)
    _walk(store, other_roots, dead, live, accounts=False)
    for key in young:
        if key in dead or key in live or key in code:
            continue
        if key.startswith(_LOOKUPS) or (len(key) == 32 and _is_trie_node(store.get(key, b""))):
            dead.add(key)
    for key in dead:
        store.pop(key, None)
    return len(dead)

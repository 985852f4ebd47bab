"""`run --node URL` and `run --keep-node`: a run on a node the user runs, or on an anvil node left running after
the run with its final state, for cast, a web3 script or a wallet."""

from __future__ import annotations

import signal
import threading
from typing import Any

from rich.console import Console

from ecny_sim.chain.anvil import AnvilBackend
from ecny_sim.chain.backend import Backend
from ecny_sim.chain.node import NodeBackend


class ChainKeeper:
    """An observer that holds on to the run's chain, to show what is on it once the run is over."""

    def __init__(self) -> None:
        self.chain: Any = None

    def attach(self, sim: Any) -> None:
        self.chain = sim.chain


def open_chain(backend: str, node: str | None, keep_node: bool, genesis_time: int) -> str | Backend:
    """The backend a run gets: a name ("pyevm", "anvil"), or a node already open (raises ChainFailure)."""
    if node is not None:
        return NodeBackend(genesis_time, url=node)
    if keep_node:
        anvil = AnvilBackend(genesis_time)
        anvil.keep_running = True
        return anvil
    return backend


def show_chain(console: Console, chain: Any, url: str) -> None:
    """The node's URL, the run's contracts and the actors' keys."""
    console.print(f"[bold]the chain is up at {url}[/bold] (chain id {chain.chain_id}; block {chain.block_number}, "
                  "its time the scenario's last)")
    for label, deployed in chain.contracts.items():
        console.print(f"  contract {label}: {deployed.address}")
    console.print("actors' private keys (deterministic test keys derived from the seed: never use them for "
                  "anything of value):")
    for name in chain.actors.names():
        console.print(f"  {name}: {chain.actors.address_of(name)} 0x{chain.actors.key_of(name).hex()}")


def keep_up(console: Console, chain: Any, node: AnvilBackend) -> None:
    """Shows the chain, then waits until Ctrl-C (or SIGTERM, or the node's own exit) and stops the node."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:  # Ctrl-C from the first line printed on is the way out, not an interruption of the run
        show_chain(console, chain, node.url)
        console.print(f"node pid {node.pid}; press Ctrl-C to stop it", soft_wrap=True)
        while not stop.wait(0.5) and node.running:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        node.stop()
    console.print("node stopped")

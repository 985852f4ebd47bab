"""What the benchmarks share about chain backends: `--backend pyevm|anvil|both`, one clear line where anvil is not
installed (a failure with ECNY_REQUIRE_ANVIL=1, as in the tests), and CPU time that counts the node's process."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ecny_sim.chain.anvil import MISSING, find_anvil

BACKENDS = ("pyevm", "anvil")
CHOICES = (*BACKENDS, "both")
REQUIRE_ANVIL = "ECNY_REQUIRE_ANVIL"


class AnvilMissing(SystemExit):
    """anvil was asked for and is not installed: the benchmark stops with one line (exit code 2)."""

    def __init__(self, why: str) -> None:
        super().__init__(2)
        self.why = why

    def __str__(self) -> str:
        return self.why


def add_option(parser: argparse.ArgumentParser, default: str = "both") -> None:
    parser.add_argument("--backend", choices=CHOICES, default=default,
                        help="chain backend(s) of the simulator's runs: py-evm in this process, the anvil node, or "
                             f"both side by side (default: {default}; without anvil installed, `both` runs py-evm "
                             f"only and says so, unless {REQUIRE_ANVIL}=1)")


def chosen(choice: str, *, say: Callable[[str], None] | None = None) -> tuple[list[str], str]:
    """The backends to run for `--backend choice`, and the line saying why anvil is skipped ("" if it is not).

    `both` without anvil installed runs py-evm alone and says so in that line, unless ECNY_REQUIRE_ANVIL=1,
    where it stops like `--backend anvil` does: with AnvilMissing (one line, exit code 2)."""
    wanted = list(BACKENDS) if choice == "both" else [choice]
    if "anvil" not in wanted or find_anvil() is not None:
        return wanted, ""
    if choice == "anvil" or os.environ.get(REQUIRE_ANVIL) == "1":
        raise AnvilMissing(f"cannot run the anvil route: {MISSING}")
    skip = f"anvil routes skipped: {MISSING} ({REQUIRE_ANVIL}=1 makes this an error)"
    (say or (lambda line: print(line, file=sys.stderr, flush=True)))(skip)
    return [b for b in wanted if b != "anvil"], skip


def version_of(chain: Any) -> str:
    """`chain.backend`'s engine and version, e.g. "py-evm 0.12.1b1" or "anvil 1.7.1"."""
    backend = chain.backend
    return f"{'py-evm' if backend.name == 'pyevm' else backend.name} {backend.version}"


def node_cpu_seconds(chain: Any) -> float:
    """CPU time used so far by the node process behind `chain`, all its threads (0.0 in-process, or where
    /proc is missing). Linux's schedstat counts nanoseconds: a class batch on anvil takes a few milliseconds,
    below the 10 ms ticks of /proc/PID/stat."""
    pid = getattr(chain.backend, "pid", None)
    if pid is None:
        return 0.0
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(task.read_text().split()[0])
        except (OSError, ValueError, IndexError):  # a thread that ended meanwhile
            continue
    return total / 1e9


class Stopwatch:
    """Wall and CPU seconds of a stretch of work; CPU counts this process and its reaped child processes (an
    anvil node stopped at the end of a run), so a node's share is not missed."""

    def __init__(self) -> None:
        self.wall = self.cpu = self.child_cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._t = time.perf_counter(), time.process_time(), _children_cpu()
        return self

    def __exit__(self, *exc: Any) -> None:
        t0, p0, c0 = self._t
        self.wall = time.perf_counter() - t0
        self.child_cpu = _children_cpu() - c0
        self.cpu = time.process_time() - p0 + self.child_cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class EngineOf:
    """An observer for `run_scenario(..., observers=[...])` that notes the run's engine and version."""

    name = ""

    def attach(self, sim: Any) -> None:
        self.name = version_of(sim.chain)


def suffix(backend: str) -> str:
    """The machine-readable lines' suffix of a backend's figures: none for py-evm, `_anvil` for anvil."""
    return "" if backend == "pyevm" else f"_{backend}"


def same_gas(what: str, runs: dict[str, list[Any]]) -> None:
    """Stop the benchmark (RuntimeError, one line) unless every backend's run gave the same sequence of
    (transaction, gas) — gas comes from the contract, never from the backend."""
    (first, ref), *others = runs.items()
    for backend, seq in others:
        if seq != ref:
            i = next((i for i, (x, y) in enumerate(zip(ref, seq)) if x != y), min(len(ref), len(seq)))
            raise RuntimeError(f"gas differs between {first} and {backend} in {what}, transaction {i}: "
                               f"{ref[i] if i < len(ref) else 'none'} vs {seq[i] if i < len(seq) else 'none'}")

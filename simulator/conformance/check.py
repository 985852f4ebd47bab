"""`ecny-sim check DIR`: a developer's IPrepaidEscrow contract against everything the built-in one keeps.

Three kinds of check, each a row of the verdict table:

- the family's built-in scenarios at test scale, with the user's contract in place of PrepaidEscrow: each must
  end with every invariant holding and no unexpected revert (its message names what failed);
- the escrow state machine against the Python model of the rules (``escrow_machine``), with the pilot's 48-hour
  dispute window and with none: Hypothesis searches random terms, then shrinks a failure to a short sequence;
- the known attacks (``escrow_attacks``), each a fixed sequence the model predicts.

Gas per escrow function (mean gas of the successful calls over the scenarios) is measured beside the built-in's.
Results are plain data (:class:`CheckReport`); ``cli/check.py`` prints and writes them.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator

from ..chain import overlay
from ..chain.errors import ContractRevert
from ..chain.user_contracts import UserBuild, UserContractError

SLOT = "PrepaidEscrow"
INTERFACE = "IPrepaidEscrow"
#: The built-in scenarios of the prepaid-escrow family, run at test scale. edu_city_term (tens of thousands of
#: pupils, seeded wallets) is left to `ecny-sim run --contracts`.
SCENARIOS = ("edu_term", "edu_withdraw", "edu_dispute", "edu_abscond", "edu_refund_run", "edu_relocation",
             "edu_caps", "wallet_tier_limit")
#: Hypothesis budgets: (examples, steps per example, seconds of shrinking at most).
DEFAULT_SEARCH = (25, 20, 30)
DEEP_SEARCH = (400, 50, 180)


@dataclass
class Row:
    check: str  # e.g. "scenario edu_term", "state machine, 48-hour dispute window", "attack: self-enrolment"
    kind: str  # "scenario" | "state machine" | "attack"
    verdict: str  # "holds" | "fails"
    property: str = ""  # the property that failed (the invariant's or rule's name), or what the check covers
    detail: str = ""  # why it failed: the property's message
    counterexample: list[str] = field(default_factory=list)  # the smallest failing sequence, one step a line
    seconds: float = 0.0


@dataclass
class GasRow:
    function: str
    calls: int
    yours: int | None  # mean gas of a successful call, with the user's contract
    built_in: int | None
    #: batch calls (a list of order ids): gas per listed order, e.g. per pupil-lesson for recordLesson
    yours_per_order: int | None = None
    built_in_per_order: int | None = None


@dataclass
class CheckReport:
    directory: str
    interface: str
    contract: str
    deep: bool
    rows: list[Row]
    gas: list[GasRow]
    seconds: float

    @property
    def holds(self) -> bool:
        return all(r.verdict == "holds" for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        return {"directory": self.directory, "interface": self.interface, "contract": self.contract,
                "deep": self.deep, "verdict": "holds" if self.holds else "fails",
                "rows": [asdict(r) for r in self.rows], "gas": [asdict(g) for g in self.gas],
                "seconds": round(self.seconds, 1)}


class DeployFails(UserContractError):
    """The user's contract reverts when deployed with the manifest's arguments (bad input: exit 2)."""


# ------------------------------------------------------------------------------------------- scenarios


class _GasMeter:
    """Gas of each successful call to the contracts deployed from the slot's artifact, by function."""

    def __init__(self) -> None:
        self.gas: dict[str, list[int]] = {}
        self.listed: dict[str, int] = {}  # batch calls: order ids listed, by function
        self.sim: Any = None

    def attach(self, sim: Any) -> None:
        self.sim = sim
        sim.chain.on_transaction.append(self)

    def __call__(self, record: Any) -> None:
        if record.result.status == 1 and self.sim.artifact_of.get(record.contract) == SLOT:
            self.gas.setdefault(record.function, []).append(record.result.gas_used)
            if record.args and isinstance(record.args[-1], list):
                self.listed[record.function] = self.listed.get(record.function, 0) + len(record.args[-1])

    def per_order(self, function: str) -> int | None:
        listed = self.listed.get(function)
        return sum(self.gas[function]) // listed if listed else None


def _run_scenario(name: str, meter: _GasMeter) -> Any:
    from ..pilot import run_scenario
    from ..run import scenario as scenarios

    scenario = scenarios.load(name)
    return run_scenario(scenario, scenario.params({}, test_scale=True), 1, None, observers=[meter])


def scenario_rows(build: UserBuild, names: tuple[str, ...] = SCENARIOS) -> tuple[list[Row], list[GasRow]]:
    yours, builtin = _GasMeter(), _GasMeter()
    rows = []
    for name in names:
        began = time.perf_counter()
        with overlay.active(build):
            result = _run_scenario(name, yours)
        seconds = time.perf_counter() - began
        _run_scenario(name, builtin)
        if result.exit_code == 0:
            rows.append(Row(f"scenario {name}", "scenario", "holds", "every invariant of the run", seconds=seconds))
        else:
            failed = ", ".join(result.failed_invariants) or result.outcome
            rows.append(Row(f"scenario {name}", "scenario", "fails", failed, result.message, seconds=seconds))
    functions = sorted(set(yours.gas) | set(builtin.gas))
    gas = [GasRow(f, len(yours.gas.get(f, [])), _mean(yours.gas.get(f)), _mean(builtin.gas.get(f)),
                  yours.per_order(f), builtin.per_order(f))
           for f in functions if f != "constructor"]
    gas += [GasRow("constructor", 1, _first(yours.gas.get("constructor")), _first(builtin.gas.get("constructor")))]
    return rows, gas


def _mean(values: list[int] | None) -> int | None:
    return sum(values) // len(values) if values else None


def _first(values: list[int] | None) -> int | None:
    return values[0] if values else None


# ------------------------------------------------------------------------------------------- state machines


@contextlib.contextmanager
def _shrinking_at_most(seconds: int) -> Iterator[None]:
    """Hypothesis gives up shrinking after five minutes; a check gives it ``seconds`` (it keeps the best so far)."""
    from hypothesis.internal.conjecture import engine

    before = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        if before is not None:
            engine.MAX_SHRINKING_SECONDS = before


_NOISE = re.compile(r"^state\.(invariant_\w+|teardown)\(\)$")


def _steps(exc: BaseException) -> list[str]:
    """The failing sequence Hypothesis attached to the error, without the invariant checks between steps."""
    lines: list[str] = []
    for note in getattr(exc, "__notes__", []):
        for line in str(note).splitlines():
            line = line.strip()
            if line.startswith(("Failing test case", "Falsifying example", "Explanation", "These lines")):
                continue
            if line.startswith("state") and not _NOISE.match(line):
                lines.append(line)
    return lines


def machine_row(title: str, machine: type, search: tuple[int, int, int]) -> Row:
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.reporting import with_reporter
    from hypothesis.stateful import run_state_machine_as_test

    from .escrow_model import _base
    from .modelled import PropertyViolated

    examples, steps, shrink = search
    began = time.perf_counter()
    # deployed (py-evm imported: it raises the recursion limit) before Hypothesis runs, outside its timing
    _base(machine.VARIANT, machine.WINDOW_HOURS)
    chosen = settings(max_examples=examples, stateful_step_count=steps, derandomize=True, database=None,
                      deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    covers = ", ".join(sorted(n.removeprefix("invariant_") for n in dir(machine) if n.startswith("invariant_")))
    try:
        with _shrinking_at_most(shrink), with_reporter(lambda text: None):
            run_state_machine_as_test(machine, settings=chosen)
    except PropertyViolated as exc:
        return Row(title, "state machine", "fails", exc.prop, exc.msg, _steps(exc), time.perf_counter() - began)
    except ContractRevert as exc:  # a view the model reads reverted
        return Row(title, "state machine", "fails", "views answer", str(exc), _steps(exc),
                   time.perf_counter() - began)
    except Exception as exc:  # noqa: BLE001 - e.g. a view answering in another shape than the interface's
        return Row(title, "state machine", "fails", "the contract answers as the interface says",
                   f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}", _steps(exc),
                   time.perf_counter() - began)
    return Row(title, "state machine", "holds", f"events, errors, orders and invariants: {covers}",
               seconds=time.perf_counter() - began)


def machine_rows(deep: bool) -> list[Row]:
    from .escrow_machine import EscrowMachine, InstantEscrowMachine

    search = DEEP_SEARCH if deep else DEFAULT_SEARCH
    return [machine_row("state machine, 48-hour dispute window", EscrowMachine, search),
            machine_row("state machine, no dispute window", InstantEscrowMachine, search)]


# ------------------------------------------------------------------------------------------- attacks


def attack_rows() -> list[Row]:
    from .escrow_attacks import ATTACKS, run_attack
    from .modelled import PropertyViolated

    rows = []
    for name, case in ATTACKS.items():
        began = time.perf_counter()
        try:
            run_attack(case)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong is the case's failure
            steps = [line.strip() for line in (case.__doc__ or "").split(". ") if line.strip()]
            prop, msg = (exc.prop, exc.msg) if isinstance(exc, PropertyViolated) else \
                ("the contract answers as the interface says", f"{type(exc).__name__}: {' '.join(str(exc).split())}")
            rows.append(Row(f"attack: {name}", "attack", "fails", prop, msg, steps, time.perf_counter() - began))
            continue
        rows.append(Row(f"attack: {name}", "attack", "holds", " ".join((case.__doc__ or "").split()),
                        seconds=time.perf_counter() - began))
    return rows


# ------------------------------------------------------------------------------------------- the whole check


def check_deploys(build: UserBuild) -> None:
    """Deploys the user's contract once as the checks will; its revert is bad input, named."""
    from .escrow_model import _base

    if SLOT not in build.contracts:
        raise UserContractError(f"{build.directory}: check covers the prepaid escrow family: the manifest must "
                                f"name a contract for [{INTERFACE}]")

    with overlay.active(build):
        try:
            _base(SLOT, 48)
        except ContractRevert as exc:
            raise DeployFails(f"{build.contracts[SLOT].name} reverts on deploy: {exc}") from None


def run_check(build: UserBuild, *, deep: bool = False, progress: Callable[[str], None] | None = None,
              scenarios: tuple[str, ...] = SCENARIOS) -> CheckReport:
    """Every check against the build's IPrepaidEscrow contract. Raises UserContractError for bad input."""
    say = progress or (lambda text: None)
    began = time.perf_counter()
    check_deploys(build)
    say("attacks")
    with overlay.active(build):
        rows = attack_rows()
        say("state machines")
        rows += machine_rows(deep)
    say("scenarios")
    scenario_results, gas = scenario_rows(build, scenarios)
    rows = scenario_results + rows
    return CheckReport(build.directory, INTERFACE, build.contracts[SLOT].name, deep, rows, gas,
                       time.perf_counter() - began)

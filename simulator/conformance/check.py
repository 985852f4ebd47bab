"""`ecny-sim check DIR`: a developer's contract against everything the built-in one of its family keeps.

A family (:data:`FAMILIES`) is an interface, the built-in contract it replaces, its built-in scenarios and a
module of known attacks that also names its state machines (``MACHINES``, ``ATTACKS``). Three kinds of check,
each a row of the verdict table:

- the family's built-in scenarios at test scale, with the user's contract in place of the built-in: each must
  end with every invariant holding and no unexpected revert (its message names what failed);
- the family's state machines against the Python model of its rules (e.g. ``escrow_machine``, with the pilot's
  48-hour dispute window and with none): Hypothesis searches random sequences, then shrinks a failure;
- the known attacks, each a fixed sequence the model predicts.

Gas per function (mean gas of the successful calls over the scenarios) is measured beside the built-in's.
Results are plain data (:class:`CheckReport`); ``cli/check.py`` prints and writes them.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import asdict, astuple, dataclass, field
from typing import Any, Callable, Iterator

from ..chain import overlay
from ..chain.errors import ContractRevert
from ..chain.user_contracts import UserBuild, UserContractError


@dataclass(frozen=True)
class Family:
    kind: str  # the KIND of `ecny-sim new`
    interface: str
    slot: str  # the built-in contract the developer's replaces
    scenarios: tuple[str, ...]  # its built-in scenarios, run at test scale
    attacks: str  # its module of attacks (MACHINES, ATTACKS), in this package

    def module(self) -> Any:
        from . import (campaign_attacks, conditional_attacks, escrow_attacks, grants_attacks, upfront_attacks,
                       wages_attacks)

        modules = (campaign_attacks, conditional_attacks, escrow_attacks, grants_attacks, upfront_attacks,
                   wages_attacks)
        return next(m for m in modules if m.__name__ == f"{__package__}.{self.attacks}")


#: interface -> its family, in the order `check` runs them. edu_city_term (tens of thousands of pupils, seeded
#: wallets) is left to `ecny-sim run --contracts`.
FAMILIES = {f.interface: f for f in (
    Family("prepaid-escrow", "IPrepaidEscrow", "PrepaidEscrow",
           ("edu_term", "edu_withdraw", "edu_dispute", "edu_abscond", "edu_refund_run", "edu_relocation", "edu_caps",
            "wallet_tier_limit"), "escrow_attacks"),
    Family("upfront-prepaid", "IUpfrontPrepaid", "UpfrontPrepaid", ("edu_abscond",), "upfront_attacks"),
    Family("conditional-payment", "IConditionalPayment", "ConditionalPayment", ("car_prepayment",),
           "conditional_attacks"),
    Family("red-packet-campaign", "IRedPacketCampaign", "RedPacketCampaign",
           ("redpacket_rules", "redpacket_refund_after_expiry", "redpacket_luohu_2020"), "campaign_attacks"),
    Family("grant-programme", "IGrantProgramme", "GrantProgramme",
           ("grant_purpose_binding", "sme_special_funds", "sme_relocation_clawback"), "grants_attacks"),
    Family("wage-pass-through", "IWagePassThrough", "WagePassThrough", ("wage_passthrough",), "wages_attacks"),
)}
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

    def __init__(self, slot: str) -> None:
        self.slot = slot
        self.gas: dict[str, list[int]] = {}
        self.listed: dict[str, int] = {}  # batch calls: order ids listed, by function
        self.sim: Any = None

    def attach(self, sim: Any) -> None:
        self.sim = sim
        sim.chain.on_transaction.append(self)

    def __call__(self, record: Any) -> None:
        if record.result.status == 1 and self.sim.artifact_of.get(record.contract) == self.slot:
            self.gas.setdefault(record.function, []).append(record.result.gas_used)
            listed = record.args[-1] if record.args else None  # a batch of ids (not, e.g., a Merkle proof)
            if isinstance(listed, list) and all(isinstance(i, int) for i in listed):
                self.listed[record.function] = self.listed.get(record.function, 0) + len(listed)

    def per_order(self, function: str) -> int | None:
        listed = self.listed.get(function)
        return sum(self.gas[function]) // listed if listed else None


def _run_scenario(name: str, meter: _GasMeter) -> Any:
    from ..pilot import run_scenario
    from ..run import scenario as scenarios

    scenario = scenarios.load(name)
    return run_scenario(scenario, scenario.params({}, test_scale=True), 1, None, observers=[meter])


def scenario_rows(build: UserBuild, names: tuple[str, ...], slot: str) -> tuple[list[Row], list[GasRow]]:
    yours, builtin = _GasMeter(slot), _GasMeter(slot)
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

    from .modelled import PropertyViolated

    examples, steps, shrink = search
    began = time.perf_counter()
    # deployed (py-evm imported: it raises the recursion limit) before Hypothesis runs, outside its timing
    machine.prepare()
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


def machine_rows(deep: bool, family: Family) -> list[Row]:
    search = DEEP_SEARCH if deep else DEFAULT_SEARCH
    return [machine_row(title, machine, search) for title, machine in family.module().MACHINES]


# ------------------------------------------------------------------------------------------- attacks


def attack_rows(family: Family) -> list[Row]:
    from .modelled import PropertyViolated

    from .modelled import run_case

    attacks = family.module()
    _, machine = attacks.MACHINES[0]
    rows = []
    for name, case in attacks.ATTACKS.items():
        began = time.perf_counter()
        try:
            run_case(machine, case)
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


def families_of(build: UserBuild) -> list[Family]:
    """The families of the contracts the build replaces; none that `check` covers is bad input."""
    found = [f for f in FAMILIES.values() if f.slot in build.contracts]
    if not found:
        named = ", ".join(c.interface for c in build.contracts.values())
        raise UserContractError(f"{build.directory}: check covers {', '.join(FAMILIES)}; the manifest names "
                                f"{named or 'none of them'}")
    return found


def check_deploys(build: UserBuild) -> None:
    """Deploys the user's contracts once as the checks will; a revert is bad input, named."""
    for family in families_of(build):
        _, machine = family.module().MACHINES[0]
        with overlay.active(build):
            try:
                machine.prepare()
            except ContractRevert as exc:
                raise DeployFails(f"{build.contracts[family.slot].name} reverts on deploy: {exc}") from None


def run_check(build: UserBuild, *, deep: bool = False, progress: Callable[[str], None] | None = None,
              scenarios: tuple[str, ...] | None = None) -> CheckReport:
    """Every check of each family the build replaces (scenarios: instead of the family's own, e.g. fewer in a
    test). Raises UserContractError for bad input."""
    say = progress or (lambda text: None)
    began = time.perf_counter()
    check_deploys(build)
    families = families_of(build)
    rows: list[Row] = []
    gas: list[GasRow] = []
    for family in families:
        name = f"{family.interface}: " if len(families) > 1 else ""
        say(f"{name}attacks")
        with overlay.active(build):
            family_rows = attack_rows(family)
            say(f"{name}state machines")
            family_rows += machine_rows(deep, family)
        say(f"{name}scenarios")
        scenario_results, family_gas = scenario_rows(build, scenarios or family.scenarios, family.slot)
        rows += scenario_results + family_rows
        gas += [GasRow(f"{family.slot}.{g.function}" if name else g.function, *astuple(g)[1:])
                for g in family_gas]
    return CheckReport(build.directory, ", ".join(f.interface for f in families),
                       ", ".join(build.contracts[f.slot].name for f in families), deep, rows, gas,
                       time.perf_counter() - began)

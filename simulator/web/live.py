"""One run played live: a worker thread runs the scenario; every transaction becomes an entry of the stream
(narration in every language, decoded events or the refusal, wallets that changed, the regulator's view), which
every viewer reads from its start.

The run's thread is the only one that touches the chain. Before each transaction of the script
(``LiveSimulation.send``, ``send_batch``, ``deploy``) it does what the page asked: the regulator's actions are
sent there, between two of the script's transactions, then it waits while paused and for the speed's delay.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ..chain.clock import format_beijing
from ..chain.errors import ChainFailure, ContractRevert
from ..domain.explain import format_args
from ..domain.prepaid import INSTITUTION_STATES, ORDER_STATES
from ..domain.token import REGULATOR
from ..pilot import Simulation, open_world
from ..read.summary import build_summary
from ..run import engine
from ..run.engine import RefusalMissing
from ..run.reporter import Reporter
from ..run.scenario import Scenario, ScenarioParams
from ..show.narration import Narrator, languages

#: ECNY events that move money in wallets they do not name: every wallet is read again after them.
BULK_EVENTS = frozenset({"EarmarksReleased", "AllEarmarksEnded"})
ACTIONS = ("freeze", "refund", "dispute")
#: Events after which an order may have come into or out of dispute (its state is read again).
DISPUTE_EVENTS = frozenset({"LessonsDisputed", "DisputeResolved", "OrderRefunded", "OrderCancelled"})


class RunStopped(Exception):
    """The server is shutting down: the script stops at its next transaction."""


class ActionRefused(Exception):
    """An action the regulator cannot take now (no such institution, no run going): one line for the page."""


@dataclass
class Action:
    kind: str  # "freeze" | "refund" | "dispute"
    contract: str
    institution: str = ""
    order_id: int = 0
    release: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] = field(default_factory=dict)


class LiveReporter(Reporter):
    """The script's own lines (``sim.say``) into the stream."""

    def __init__(self, live: LiveRun):
        self.live = live

    def say(self, when: str, text: str) -> None:
        self.live.publish("say", when=when[:16], text=" ".join(str(text).split()))


class LiveSimulation(Simulation):
    """The pilots' simulation, with the page's turn before each of the script's transactions."""

    live: LiveRun

    def send(self, actor: str, contract: Any, function: str, *args: Any, gas: int | None = None):
        self.live.between()
        return super().send(actor, contract, function, *args, gas=gas)

    def send_batch(self, calls: Any, *, gas: int = 250_000) -> list:
        self.live.between()
        return super().send_batch(calls, gas=gas)

    def deploy(self, artifact: str, deployer: str, *args: Any, label: str | None = None):
        self.live.between()
        return super().deploy(artifact, deployer, *args, label=label)


class LiveRun:
    """A scenario run in a worker thread, played for the page. ``events`` is the stream, from its start."""

    def __init__(self, scenario: Scenario, params: ScenarioParams, seed: int, out_dir: Path, *,
                 speed_ms: int = 300, paused: bool = False):
        self.scenario, self.params, self.seed, self.out_dir = scenario, params, seed, out_dir
        self.langs = languages()
        self.events: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self.state = "paused" if paused else "playing"  # playing | paused | stepping | finished
        self.speed_ms = speed_ms
        self.stopping = False
        self.result: engine.RunResult | None = None
        self.sim: LiveSimulation | None = None
        self.narrators = {lang: Narrator(lang=lang, out=io.StringIO()) for lang in self.langs}
        self._actions: list[Action] = []
        self._acting: Action | None = None
        self._owe_delay = False
        self._wallets: dict[str, str] = {}  # address -> name, in opening order
        self._shown: dict[str, tuple[int, int]] = {}  # name -> (free, locked) last published
        self._institutions: dict[tuple[str, str], str] = {}  # (contract, address) -> name
        self._course_of: dict[tuple[str, int], str] = {}  # (contract, course id) -> institution address
        self._orders: dict[str, dict[int, str]] = {}  # contract -> order id -> course's institution address
        self._disputed: dict[str, set[int]] = {}  # contract -> orders held in dispute
        self._parents: dict[str, dict[str, None]] = {}  # contract -> its orders' parents (names, in order)
        self._dirty: set[str] = set()  # wallets (addresses) to read again
        self._regulator_dirty = False
        self._next_read = 0.0  # monotonic time of the next read at full speed
        self._alerts = 0
        self._told: dict[str, int] = {}  # language -> sentences of its narrator already published
        self.thread = threading.Thread(target=self._run, name=f"live-{scenario.name}", daemon=True)

    # ------------------------------------------------------------------ the stream
    def publish(self, kind: str, **data: Any) -> None:
        with self.cond:
            self.events.append({"seq": len(self.events), "kind": kind, **data})
            self.cond.notify_all()

    def since(self, seq: int) -> list[dict[str, Any]]:
        with self.cond:
            return self.events[seq:]

    @property
    def finished(self) -> bool:
        return self.state == "finished"

    # ------------------------------------------------------------------ controls (any thread)
    def control(self, command: str, speed_ms: int | None = None) -> str:
        with self.cond:
            if speed_ms is not None:
                self.speed_ms = max(0, min(int(speed_ms), 10_000))
            if self.state != "finished":
                if command == "play":
                    self.state = "playing"
                elif command == "pause":
                    self.state = "paused"
                elif command == "step":
                    self.state = "stepping"
            self.cond.notify_all()
            state = self.state
        self.publish("control", state=state, speed_ms=self.speed_ms)
        return state

    def act(self, action: Action, timeout: float = 20.0) -> dict[str, Any]:
        """Queues the regulator's action for the run's thread and waits for its outcome."""
        with self.cond:
            if self.state == "finished":
                raise ActionRefused("the run has ended: there is no running chain to act on")
            self._actions.append(action)
            self.cond.notify_all()
        if not action.done.wait(timeout):
            return {"queued": True, "message": "queued: it is sent before the script's next transaction"}
        return action.result

    def start(self) -> None:
        self.publish("start", scenario=self.scenario.name, title=self.scenario.title, seed=self.seed,
                     params=self.params.model_dump(mode="json"), langs=list(self.langs), state=self.state,
                     speed_ms=self.speed_ms)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread.is_alive():
            self.thread.join(timeout)

    # ------------------------------------------------------------------ the run's thread
    def _run(self) -> None:
        def open_simulation(*args: Any, **kwargs: Any) -> LiveSimulation:
            sim = LiveSimulation.__new__(LiveSimulation)
            sim.live = self
            sim.interventions = []  # the engine ends a run with any in it as "intervened"
            self.sim = sim
            LiveSimulation.__init__(sim, *args, **kwargs)
            return sim

        def script(sim: LiveSimulation, params: ScenarioParams) -> None:
            """The scenario's script; once the regulator intervened, its failure is reported, not the run's."""
            try:
                self.scenario.run(sim, params)
            except (ContractRevert, RefusalMissing, Exception) as exc:
                if not sim.interventions or isinstance(exc, (RunStopped, ChainFailure)):
                    raise
                sim.after_intervention = f"after the regulator's intervention the script stopped: {_what(exc, sim)}"

        try:
            self.result = engine.run_scenario(
                replace(self.scenario, run=script), self.params, self.seed, self.out_dir, summarise=self._summarise,
                open_simulation=open_simulation, reporter=LiveReporter(self),
                observers=[*self.narrators.values(), _Hook(self._on_transaction)])
            summary = self.result.summary
            self.publish("end", outcome=self.result.outcome, message=self.result.message,
                         invariants=summary.get("invariants", {}), story_checks=summary.get("story_checks", {}),
                         after_intervention=summary.get("after_intervention", ""),
                         balances_fen=summary.get("balances_fen", {}), alerts=summary.get("alerts", []),
                         comparison=summary.get("comparison", {}),
                         out_dir=str(self.out_dir), run=self.out_dir.name)
        except Exception as exc:  # pragma: no cover - a bug here must still end the stream
            self.publish("end", outcome="scenario_error", message=f"{type(exc).__name__}: {exc}", invariants={},
                         story_checks={}, balances_fen={}, alerts=[], out_dir=str(self.out_dir))
        finally:
            with self.cond:
                self.state = "finished"
                for action in self._actions:  # asked for as the run ended
                    action.result = {"ok": False, "message": "the run ended before the action could be sent"}
                    action.done.set()
                self._actions.clear()
                self.cond.notify_all()

    def _summarise(self, sim: Simulation, outcome: str) -> dict[str, Any]:
        """The pilots' summary; once the regulator intervened, the script's own checks are reported beside the
        invariants, not enforced (the money invariants still are)."""
        if self._dirty or self._regulator_dirty:  # the last reads, while the chain is still open
            self.publish("read", **self._read())
        summary = build_summary(sim, outcome)
        if sim.interventions:
            summary["story_checks"] = {name: summary["invariants"].pop(name) for name in sim.checks
                                       if name in summary["invariants"]}
            summary["interventions"] = list(sim.interventions)
            if getattr(sim, "after_intervention", ""):
                summary["after_intervention"] = sim.after_intervention
        return summary

    def between(self) -> None:
        """The page's turn, before each of the script's transactions: actions, pause, step, speed."""
        if self._acting is not None:
            return  # an action's own transactions
        self._do_actions()
        delay = self.speed_ms / 1000 if self._owe_delay else 0
        self._owe_delay = False
        until = time.monotonic() + delay
        while True:
            with self.cond:
                if self.stopping:
                    raise RunStopped("the server stopped during the run")
                waiting = self.state == "paused" or time.monotonic() < until
                if waiting and not self._actions:
                    self.cond.wait(0.05 if self.state == "paused" else max(0.001, min(0.05, until - time.monotonic())))
            if self._actions:
                self._do_actions()
                continue
            if not waiting:
                return

    def _do_actions(self) -> None:
        while True:
            with self.cond:
                if not self._actions:
                    return
                action = self._actions.pop(0)
            self._acting = action
            try:
                action.result = self._perform(action)
            except ActionRefused as exc:
                action.result = {"ok": False, "message": str(exc)}
            finally:
                self._acting = None
                action.done.set()
            self.publish("action", action=action.kind, contract=action.contract, institution=action.institution,
                         order_id=action.order_id, release=action.release, **action.result)

    def _perform(self, action: Action) -> dict[str, Any]:
        sim = self.sim
        prepaid = next((p for p in sim.prepaid if p.label == action.contract), None)
        if prepaid is None:
            raise ActionRefused(f"no supervision contract {action.contract!r} in this run")
        address = ""
        if action.kind in ("freeze", "refund"):
            address = next((a for (c, a), n in self._institutions.items()
                            if c == action.contract and n == action.institution), "")
            if not address:
                raise ActionRefused(f"no institution {action.institution!r} under {action.contract}")
        try:
            sim.interventions.append({"kind": action.kind, "contract": action.contract,
                                      "institution": action.institution, "order_id": action.order_id,
                                      "release": action.release, "time": sim.chain.now})
            if action.kind == "freeze":
                prepaid.freeze(action.institution)
                return {"ok": True, "message": f"{action.institution} frozen under {action.contract}"}
            if action.kind == "refund":
                ids = sorted(i for i, inst in self._orders.get(action.contract, {}).items() if inst == address)
                if not ids:
                    return {"ok": True, "message": f"{action.institution} has no orders to refund"}
                prepaid.refund_orders(action.institution, ids)
                return {"ok": True, "message": f"refund run ordered for {len(ids)} orders of {action.institution}"}
            prepaid.resolve_dispute(action.order_id, action.release)
            side = "the institution" if action.release else "the parent"
            return {"ok": True, "message": f"dispute over order {action.order_id} decided for {side}"}
        except ContractRevert as exc:
            return {"ok": False, "message": f"refused: {exc.error_name}({format_args(exc.args, sim.chain.label)})"}

    # ------------------------------------------------------------------ each transaction
    def _on_transaction(self, record: Any) -> None:
        sim, result = self.sim, record.result
        label = sim.chain.label
        sentences = {}
        story = False
        for lang, narrator in self.narrators.items():
            sentences[lang] = narrator.sentences[self._told.get(lang, 0):]
            self._told[lang] = len(narrator.sentences)
            story = bool(narrator.steps and narrator.steps[-1].story)
        events = [{"contract": ev.contract, "name": ev.name, "text": f"{ev.name}({format_args(ev.args, label)})"}
                  for ev in result.events]
        error = None
        if result.status == 0 and result.error is not None:
            error = f"{result.error.name}({format_args(result.error.args or {}, label)})"
        self._learn(record)
        self._mark(record)
        entry = {
            "time": format_beijing(result.timestamp)[:16], "block": result.block_number, "actor": record.actor,
            "contract": record.contract, "function": record.function, "status": result.status,
            "events": events, "error": error, "sentences": sentences, "story": story,
            "intervention": self._acting is not None, "wallets": {},
        }
        if (self._acting is not None or self.state != "playing" or (story and self.speed_ms >= 50)
                or time.monotonic() >= self._next_read):
            entry.update(self._read())
        alerts = getattr(getattr(sim, "alerts", None), "alerts", [])
        if len(alerts) > self._alerts:
            entry["alerts"] = alerts[self._alerts:]
            self._alerts = len(alerts)
        self.publish("step", **entry)
        if story and self._acting is None:
            self._owe_delay = True
            with self.cond:
                if self.state == "stepping":
                    self.state = "paused"
                    self.cond.notify_all()
                    state = self.state
                else:
                    state = None
            if state:
                self.publish("control", state=state, speed_ms=self.speed_ms)

    def _learn(self, record: Any) -> None:
        """Wallets, institutions, courses and orders, from the transaction's events."""
        chain = self.sim.chain
        prepaid = {p.label for p in self.sim.prepaid}
        for ev in record.result.events:
            a = ev.args
            if ev.name == "WalletOpened":
                self._wallets.setdefault(str(a["wallet"]).lower(), chain.label(a["wallet"]))
            elif ev.name == "InstitutionApproved":
                self._institutions[(ev.contract, str(a["institution"]).lower())] = chain.label(a["institution"])
            elif ev.name == "CoursePublished":
                self._course_of[(ev.contract, a["courseId"])] = str(a["institution"]).lower()
            elif ev.name == "OrderPlaced":
                school = self._course_of.get((ev.contract, a["courseId"]), "")
                self._orders.setdefault(ev.contract, {})[a["orderId"]] = school
                self._parents.setdefault(ev.contract, {})[chain.label(a["parent"])] = None
            elif ev.name in DISPUTE_EVENTS and ev.contract in prepaid:  # one read: is it disputed now?
                state = ORDER_STATES[chain.call(ev.contract, "orderStateOf", a["orderId"])]
                held = self._disputed.setdefault(ev.contract, set())
                (held.add if state == "Disputed" else held.discard)(a["orderId"])

    def _mark(self, record: Any) -> None:
        """Which wallets this transaction may have changed (all of them after a bulk release), and whether it
        concerns a supervision contract: read at the next ``_read``."""
        money = [ev for ev in record.result.events if ev.contract == "ECNY"]
        if any(ev.name in BULK_EVENTS for ev in money):
            self._dirty.update(self._wallets)
        else:
            self._dirty.update(str(v).lower() for ev in money for v in ev.args.values()
                               if isinstance(v, str) and str(v).lower() in self._wallets)
        labels = {p.label for p in self.sim.prepaid}
        if record.contract in labels or any(ev.contract in labels for ev in record.result.events):
            self._regulator_dirty = True

    def _read(self) -> dict[str, Any]:
        """Reads the chain for what changed since the last read: wallets' free and locked fen (those that changed
        since last shown), supply = the sum of the wallets, the regulator's view. Reads cost (a call each): when
        the run plays at full speed they are spaced out, at most a third of the run's time; at a classroom's
        speed, when paused or stepping, and after an action, every step is read."""
        began = time.monotonic()
        out: dict[str, Any] = {"wallets": {}}
        token = self.sim.deployments.get("ECNY")
        if token is not None and self._dirty:
            for address in [a for a in self._wallets if a in self._dirty]:  # in opening order
                name = self._wallets[address]
                balance = self.sim.chain.call(token, "balanceOf", address)
                free = self.sim.chain.call(token, "freeBalanceOf", address)
                if self._shown.get(name) != (free, balance - free):
                    self._shown[name] = (free, balance - free)
                    out["wallets"][name] = [free, balance - free]
            self._dirty.clear()
            supply = self.sim.chain.call(token, "totalSupply")
            out.update(supply_fen=supply, conserved=supply == sum(f + locked for f, locked in self._shown.values()))
            if len(self._parents) > 1:
                out["models"] = self._side_by_side()
        if self._regulator_dirty:
            out["regulator"] = self._regulator_view()
            self._regulator_dirty = False
        self._next_read = time.monotonic() + max(0.2, 2 * (time.monotonic() - began))
        return out

    def _side_by_side(self) -> list[dict[str, Any]]:
        """Runs with several supervision contracts (edu_abscond's three models): for each, its institutions and
        its parents' free and locked money in all, from the wallets as last read (no call of its own)."""
        rows = []
        for prepaid in self.sim.prepaid:
            parents = self._parents.get(prepaid.label)
            if not parents:
                continue
            pairs = [self._shown.get(name, (0, 0)) for name in parents]
            rows.append({"contract": prepaid.label, "model": prepaid.model, "parents": len(parents),
                         "institutions": [n for (c, _), n in self._institutions.items() if c == prepaid.label],
                         "free_fen": sum(f for f, _ in pairs), "locked_fen": sum(locked for _, locked in pairs)})
        return rows

    def _regulator_view(self) -> list[dict[str, Any]]:
        """Each institution's status, supervised balance and disputed orders."""
        sim = self.sim
        rows = []
        for (contract, address), name in self._institutions.items():
            prepaid = next((p for p in sim.prepaid if p.label == contract), None)
            if prepaid is None:
                continue
            orders = [i for i, school in self._orders.get(contract, {}).items() if school == address]
            disputed = sorted(i for i in self._disputed.get(contract, ()) if self._orders[contract].get(i) == address)
            rows.append({
                "contract": contract, "model": prepaid.model, "institution": name,
                "status": INSTITUTION_STATES[prepaid.call("institutionStatusOf", address)],
                "supervised_fen": prepaid.call("supervisedBalanceOf", address), "orders": len(orders),
                "disputed": disputed,
            })
        return rows


def _what(exc: BaseException, sim: Any) -> str:
    if isinstance(exc, ContractRevert):
        return (f"{exc.contract}.{exc.function} reverted with "
                f"{exc.error_name or exc.error}({format_args(exc.args, sim.chain.label)})")
    return f"{type(exc).__name__}: {exc}"


class _Hook:
    """An observer attached after the narrators, so each transaction's sentences are told when it runs."""

    def __init__(self, on_transaction: Callable[[Any], None]):
        self.on_transaction = on_transaction

    def attach(self, sim: Any) -> None:
        sim.chain.on_transaction.append(self.on_transaction)


__all__ = ["LiveRun", "LiveSimulation", "Action", "ActionRefused", "RunStopped", "ACTIONS", "REGULATOR",
           "open_world"]

"""The Narrator: a transaction hook that tells each step of a run in plain sentences, shows them (a rich Console
or a text stream, one line per sentence) and, in an interactive classroom, waits for Enter between steps.

Which sentences a transaction gets is decided by the teller (sentences.py, batches.py, refusals.py) from what
the narrator has learnt (contracts.py); here only the order they are told in, what is folded, and the output.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, TextIO

from rich.console import Console
from rich.text import Text

from ...chain.clock import to_beijing
from ...run.reporter import Reporter
from .batches import BATCHED, Batches
from .contracts import Contracts, is_address
from .refusals import Refusals
from .sentences import Sentences
from .words import Words

#: Functions that only set things up: told briefly, never paused on, runs of one kind folded.
PLUMBING = frozenset({
    "constructor", "setTier", "setController", "setRegulator", "openWallet", "openWallets", "setWalletTier",
    "approveEarmark", "registerMerchants", "allowMerchants", "issue", "approveInstitution", "publishCourse",
    "setRules", "registerPayees",
})
#: Plumbing functions whose consecutive transactions are told once.
FOLDED = frozenset({"setTier"})
#: Token events that move or lock money; when the contract controlling them also speaks in the same
#: transaction, its sentence tells the movement and these are not told twice.
EARMARK_EVENTS = {"Earmarked": "controller", "EarmarkReleased": "controller", "EarmarksReleased": "controller",
                  "EarmarkReturned": "controller", "EarmarkMoved": "controller", "AllEarmarksEnded": "controller"}
#: Batches told first (lessons recorded or taught), then fees paid out, then orders passed over.
BATCH_RANK = {"LessonRecorded": 0, "LessonDelivered": 0, "LessonsReleased": 1, "LessonSkipped": 2}


@dataclass
class Step:
    """One narrated transaction: its time, who sent it, what it was, and the sentences told."""

    timestamp: int
    actor: str
    contract: str
    function: str
    sentences: list[str]
    story: bool  # False for set-up plumbing (never paused on)
    refused: bool = False
    error: str | None = None  # the decoded error's name, for a refused transaction
    events: list = field(default_factory=list)  # the transaction's decoded events (chain.Event)


class Teller(Refusals, Batches, Sentences):
    """Chooses the sentences of one transaction."""

    def describe(self, record: Any) -> list[str]:
        if record.result.status == 0:
            return [self.refusal(record)]
        events = list(record.result.events)
        if record.function == "constructor":
            return self.deployment(record, events)
        speakers = {ev.contract for ev in events}
        batches: dict[str, list] = {}
        order: list[tuple[int, str]] = []  # (sort key, batch key or "#i" for singles[i]); lessons before payouts
        singles: list[str] = []
        by_order: dict[tuple[str, int], list] = {}
        for ev in events:
            if ev.name in ("DepositShared", "DepositLocked") and "orderId" in ev.args:
                by_order.setdefault((ev.contract, ev.args["orderId"]), []).append(ev)
        for ev in events:
            if self.told_elsewhere(ev, events, speakers):
                continue
            if ev.name in BATCHED:
                key = f"{ev.contract}|{ev.name}"
                if key not in batches:
                    batches[key] = []
                    order.append((BATCH_RANK.get(ev.name, 0) * 10_000 + len(order), key))
                batches[key].append(ev)
                continue
            sentence = self.event(record, ev, events, by_order)
            if sentence:
                singles.append(sentence)
                order.append((len(order) + 5_000, f"#{len(singles) - 1}"))
        has_recorded = any(k.endswith("|LessonRecorded") for k in batches)
        told: list[str] = []
        for _, key in sorted(order):
            if key.startswith("#"):
                told.append(singles[int(key[1:])])
            else:
                told.extend(self.batch(record, key.partition("|")[2], batches[key], events, has_recorded))
        return told or [self.quiet(record)]

    def told_elsewhere(self, ev: Any, events: list, speakers: set) -> bool:
        """An event another sentence of the same transaction already tells."""
        ctl = ev.args.get(EARMARK_EVENTS[ev.name]) if ev.name in EARMARK_EVENTS else None
        if is_address(ctl) and self.known.label_of(ctl) in speakers - {ev.contract}:
            return True  # told by the controlling contract's own sentence
        if ev.name == "DepositShared":
            return any(e.name == "OrderRefunded" and e.contract == ev.contract
                       and e.args["orderId"] == ev.args["orderId"] for e in events)
        if ev.name == "DepositLocked":
            return any(e.name == "OrderPlaced" and e.contract == ev.contract
                       and e.args["orderId"] == ev.args["orderId"] for e in events)
        return False


class Narrator(Reporter):
    """Tells a run step by step. Attach ``on_transaction`` to ``chain.on_transaction`` (or call ``attach``).

    :param label: address -> actor or contract name (``sim.chain.label``); ``None`` until ``attach`` binds it.
    :param lang: a language with a narration catalog (``languages()``): "en", "zh", ...
    :param out: a rich ``Console`` or a text stream (default: a new Console on stdout).
    :param pause: wait for Enter between steps, when interactive.
    :param interactive: overrides the terminal detection (``stdin.isatty() and out is a terminal``).
    :param stdin: where Enter is read from (default ``sys.stdin``).
    :param districts: district code -> name, for red-packet campaigns (else guessed from shop/funder names).
    :param strict: raise when a transaction cannot be narrated (tests) instead of telling it generically.
    """

    def __init__(self, label: Callable[[str], str] | None = None, lang: str = "en", out: Console | TextIO | None = None,
                 pause: bool = False, *, interactive: bool | None = None, stdin: TextIO | None = None,
                 districts: dict[int, str] | None = None, strict: bool = False):
        self.words = Words(lang)  # an unknown language: ValueError naming the known ones
        self.lang = lang
        self.known = Contracts(label, districts)
        self.teller = Teller(self.words, self.known)
        self.out = out if out is not None else Console(highlight=False)
        self.pause = pause
        self.stdin = stdin
        self._interactive_override = interactive
        self.strict = strict
        self.steps: list[Step] = []
        self.sentences: list[str] = []
        self.waits = 0
        self._owe_wait = False
        self._hinted = False
        self._last_fold: tuple[str, str] | None = None

    @property
    def label(self) -> Callable[[str], str]:
        return self.known.label

    @label.setter
    def label(self, label: Callable[[str], str]) -> None:
        self.known.label = label

    # ------------------------------------------------------------------ wiring
    def attach(self, target: Any) -> "Narrator":
        """Appends ``on_transaction`` to a Chain's (or a Simulation's chain's) transaction hooks and names
        addresses with that chain's ``label``."""
        chain = getattr(target, "chain", target)
        self.label = chain.label
        chain.on_transaction.append(self.on_transaction)
        if hasattr(target, "on_seed"):  # a Simulation: wallets seeded without transactions are told too
            target.on_seed.append(self.on_seed)
        return self

    def __call__(self, record: Any) -> None:
        """The narrator is itself a transaction hook (same as ``on_transaction``)."""
        self.on_transaction(record)

    @property
    def interactive(self) -> bool:
        if self._interactive_override is not None:
            return self._interactive_override
        stdin = self.stdin if self.stdin is not None else sys.stdin
        try:
            stdin_tty = bool(stdin.isatty())
        except (AttributeError, ValueError):
            stdin_tty = False
        return stdin_tty and self._out_is_terminal()

    def _out_is_terminal(self) -> bool:
        if isinstance(self.out, Console):
            return self.out.is_terminal
        try:
            return bool(self.out.isatty())
        except (AttributeError, ValueError):
            return False

    # ------------------------------------------------------------------ Reporter interface
    def say(self, when: str, text: str) -> None:
        """A scenario's own line (``sim.say``), shown between the narrated steps."""
        self._settle_wait()
        when = when[:16] if len(when) >= 16 and when[4:5] == "-" else when
        self._emit(when, text, style="italic")

    def progress(self, items: Sequence[Any], description: str) -> Iterable[Any]:
        return items

    # ------------------------------------------------------------------ the hook
    def on_transaction(self, record: Any) -> None:
        try:
            self.known.learn(record)
        except Exception:
            if self.strict:
                raise
        try:
            sentences = self.teller.describe(record)
        except Exception:
            if self.strict:
                raise
            sentences = [self.teller.nothing_happened(record)]
        sentences = [self.words.sentence(" ".join(str(t).split())) for t in sentences if t]
        result = record.result
        refused = result.status == 0
        story = refused or record.function not in PLUMBING
        error = getattr(result.error, "name", None) if refused else None
        step = Step(result.timestamp, record.actor, record.contract, record.function, sentences, story, refused, error,
                    list(result.events))
        fold = (record.contract, record.function) if record.function in FOLDED and not refused else None
        if fold is not None and fold == self._last_fold:
            self.steps.append(step)
            return  # a run of the same set-up call is told once
        self._last_fold = fold
        self._settle_wait()
        self.steps.append(step)
        when = to_beijing(result.timestamp).strftime("%Y-%m-%d %H:%M")
        for sentence in sentences:
            self.sentences.append(sentence)
            self._emit(when, sentence, style="yellow" if refused else None)
        if story:
            self._owe_wait = True

    def on_seed(self, record: Any) -> None:
        """Seeded wallets (written into the token's storage, no transaction): one set-up sentence."""
        w = self.words
        opened = [e for e in record.events if e.name == "WalletOpened"]
        if not opened:
            return
        money = sum(e.args["amountFen"] for e in record.events if e.name == "Issued")
        names = [self.known.label(e.args["wallet"]) for e in opened]
        # TRANSLATORS: {n} is a number, {first} and {last} names, {money} an amount of yuan. "Seeded": written
        # straight into the ledger as the run's starting state, not sent as transactions.
        sentence = w.sentence(w.n_(
            "{n} wallet is opened for {first} to {last} and holds {money} in all, seeded as set-up (no transactions)",
            "{n} wallets are opened for {first} to {last} and hold {money} in all, seeded as set-up (no transactions)",
            len(opened), first=names[0], last=names[-1], money=w.money(money)))
        self._last_fold = None
        self._settle_wait()  # not a step: ``steps`` are the transactions told
        self.sentences.append(sentence)
        self._emit(to_beijing(record.timestamp).strftime("%Y-%m-%d %H:%M"), sentence)

    # ------------------------------------------------------------------ output and pausing
    def _emit(self, when: str, text: str, style: str | None = None) -> None:
        text = " ".join(str(text).split())  # one line, always
        if isinstance(self.out, Console):
            line = Text(when, style="dim")
            line.append("  ")
            line.append(text, style=style)
            self.out.print(line, soft_wrap=True, highlight=False)
        else:
            self.out.write(f"{when}  {text}\n")
            self.out.flush()

    def _settle_wait(self) -> None:
        """Before anything new is shown after a step, wait for Enter (interactive classroom only)."""
        if not self._owe_wait:
            return
        self._owe_wait = False
        if not self.pause or not self.interactive:
            return
        stdin = self.stdin if self.stdin is not None else sys.stdin
        if not self._hinted:
            self._hinted = True
            hint = self.words._("(press Enter for the next step, Ctrl+C to stop)")
            if isinstance(self.out, Console):
                self.out.print(Text(hint, style="dim"), soft_wrap=True)
            else:
                self.out.write(hint + "\n")
                self.out.flush()
        self.waits += 1
        if stdin.readline() == "":  # end of input: stop pausing
            self.pause = False

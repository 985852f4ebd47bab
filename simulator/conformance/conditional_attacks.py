"""The attacks on a conditional payment we know of, each a fixed sequence the model predicts step by step (the
state machine's checks: outcomes, custom errors and their arguments, events), then every invariant and the
teardown's payments. A case passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from ..chain.clock import DAY
from .conditional_machine import NOTARY, STRANGER, WINDOW, ConditionalMachine


def _one(m: ConditionalMachine, payer: str = "buyer:a", payee: str = "dealer:x", amount: int = 10_000) -> int:
    """A payment of `amount` verified by the agency, due in a day; its id."""
    m.do_create(payer, payee, "agency:v", amount, DAY)
    return len(m.m.payments)


def calls_after_the_deadline(m: ConditionalMachine) -> None:
    """A second before the deadline nobody reclaims; at the deadline the verifier can no longer release or
    reject, the payee no longer dispute; anyone reclaims, once; then nobody decides it."""
    pid = _one(m)
    deadline = m.m.payment(pid).deadline
    m.chain.set_time(deadline - 1)
    m.do_reclaim(STRANGER, pid)
    m.chain.set_time(deadline)
    m.do_confirm("agency:v", pid)
    m.do_reject("agency:v", pid)
    m.do_dispute("dealer:x", pid)
    m.do_reclaim(STRANGER, pid)
    m.do_reclaim(STRANGER, pid)
    m.do_confirm("buyer:a", pid)


def calls_after_a_disputes_window(m: ConditionalMachine) -> None:
    """The payee disputes: nobody reclaims inside the dispute window (the first deadline passed), the payee
    cannot dispute again; once the window has passed the verifier cannot decide, anyone reclaims."""
    pid = _one(m)
    m.do_dispute("dealer:x", pid)
    m.chain.advance(DAY)
    m.do_reclaim(STRANGER, pid)
    m.do_dispute("dealer:x", pid)
    m.chain.advance(WINDOW - DAY)
    m.do_confirm("agency:v", pid)
    m.do_reclaim("dealer:x", pid)


def a_closed_wallet(m: ConditionalMachine) -> None:
    """The payer cannot close a wallet holding an undecided payment; the payee closes its wallet, so its
    release is refused and the payment stays undecided until reclaimed; a payment to a verifier without a
    wallet is refused the same way."""
    pid = _one(m, payee="dealer:y")
    other = _one(m, payer="dealer:x", payee=NOTARY)
    m.a_wallet_is_closed_or_frozen("buyer:a", "attempt")
    m.a_wallet_is_closed_or_frozen("dealer:y", "close")
    m.do_confirm("agency:v", pid)
    m.do_confirm("agency:v", other)
    m.chain.advance(DAY)
    m.do_reclaim(STRANGER, pid)
    m.do_reclaim(STRANGER, other)


def callers_without_the_role(m: ConditionalMachine) -> None:
    """A stranger confirms, rejects or disputes; the payee confirms its own payment; the payer rejects or
    disputes it; the verifier disputes: each refused, naming the caller."""
    pid = _one(m)
    for action, caller in (("confirm", STRANGER), ("reject", STRANGER), ("dispute", STRANGER),
                           ("confirm", "dealer:x"), ("reject", "buyer:a"), ("dispute", "buyer:a"),
                           ("dispute", "agency:v")):
        m.act(action, caller, pid)
    m.do_confirm("agency:v", pid)


def a_role_changed_mid_flight(m: ConditionalMachine) -> None:
    """The payer is frozen after it paid: its own release is refused, the verifier's goes through; unfrozen,
    the payer releases its second payment. A payment to a payee at its tier's cap waits."""
    first, second = _one(m), _one(m, amount=20_000)
    m.a_wallet_is_closed_or_frozen("buyer:a", "freeze")
    m.do_confirm("buyer:a", first)
    m.do_confirm("agency:v", first)
    m.a_wallet_is_closed_or_frozen("buyer:a", "unfreeze")
    m.do_confirm("buyer:a", second)
    capped = _one(m, payer="dealer:x", payee="buyer:b", amount=100_000)
    m.do_confirm("agency:v", capped)


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[ConditionalMachine], None]] = {
    "calls after the deadline": calls_after_the_deadline,
    "calls after a dispute's window": calls_after_a_disputes_window,
    "a closed wallet": a_closed_wallet,
    "callers without the role": callers_without_the_role,
    "a role changed mid-flight": a_role_changed_mid_flight,
}

#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, 2-day dispute window", ConditionalMachine)]


"""The attacks on a red-packet campaign we know of, each a fixed sequence the model predicts step by step (the
state machine's checks: outcomes, custom errors, events, packets and purchases), then every invariant. A case
passes when the contract does what the model says at every step."""

from __future__ import annotations

from typing import Callable

from .campaign_machine import (A, B, BOOKS, CINEMA, CITIZEN, EXPIRY, FUNDER, LOW, MALL, START, STALL,
                               CampaignMachine)


def calls_before_the_start_and_after_the_expiry(m: CampaignMachine) -> None:
    """A claim and a purchase seconds before the window opens are refused; at the start both go through; at
    the expiry neither does, a refund of packet money goes back to the funder, and the sweep (refused a
    second earlier) returns the rest, once."""
    m.chain.set_time(START - 5)
    m.do_claim(0, "own")
    m.do_pay(A, BOOKS, 1_000)
    m.chain.set_time(START)
    m.do_claim(0, "own")
    m.do_pay(A, BOOKS, 8_000)
    m.chain.set_time(EXPIRY - 1)
    m.do_sweep(CITIZEN)
    m.chain.set_time(EXPIRY)
    m.do_claim(3, "own")
    m.do_pay(A, BOOKS, 1_000)
    m.do_refund(BOOKS, 0, 0.5, 0)
    m.do_sweep(CITIZEN)
    m.do_sweep(FUNDER)


def repeated_and_false_claims(m: CampaignMachine) -> None:
    """A packet claimed twice, a third packet for a winner allowed two, a claim with the wrong amount or
    another's proof, a stranger's claim: each refused; the budget is not touched by them."""
    m.chain.set_time(START)
    m.do_claim(0, "own")
    m.do_claim(0, "own")
    m.do_claim(1, "own")
    m.do_claim(2, "own")
    for kind in ("wrong_amount", "wrong_proof", "stranger"):
        m.do_claim(3, kind)
    m.do_claim(3, "own")


def a_closed_wallet(m: CampaignMachine) -> None:
    """A winner spends part of a packet and closes the wallet: the rest of the packet goes back to the funder
    at once; the merchant can no longer refund the purchase into the closed wallet, and after the expiry the
    packet money of the refund goes to the funder; a closed wallet claims nothing."""
    m.chain.set_time(START)
    m.do_claim(3, "own")
    m.do_pay(B, BOOKS, 5_000)
    m.do_close(B)
    m.do_refund(BOOKS, 0, 1.0, 0)
    m.do_claim(4, "own")
    m.do_close(LOW)
    m.chain.set_time(EXPIRY)
    m.do_refund(BOOKS, 0, 1.0, 0)


def packet_money_outside_the_rules(m: CampaignMachine) -> None:
    """Packet money at a merchant outside the district or an unregistered stall, below the minimum spend, or
    moved by an ordinary transfer: refused; a merchant refunds another's purchase: refused."""
    m.chain.set_time(START)
    m.do_claim(0, "own")
    m.do_pay(A, MALL, 5_000)
    m.do_pay(A, STALL, 5_000)
    m.do_pay(A, CINEMA, 100)
    m.do_transfer(A, MALL, m.m.wallets[A].free + 5_000)
    m.do_pay(A, CINEMA, 5_000)
    m.do_refund(BOOKS, 0, 1.0, 0)


def the_funders_wallet_before_the_sweep(m: CampaignMachine) -> None:
    """The funder's role lasts until the sweep: its wallet cannot close while the campaign may still pay it
    (packets returned on close, packet money refunded after the expiry, the sweep itself), the expiry
    included."""
    m.chain.set_time(START)
    m.do_claim(3, "own")
    m.wallet_is_closed(FUNDER)
    m.chain.set_time(EXPIRY)
    m.wallet_is_closed(FUNDER)
    m.do_close(A)
    m.do_sweep(A)


#: name -> the case, in the order the table shows them.
ATTACKS: dict[str, Callable[[CampaignMachine], None]] = {
    "calls before the start and after the expiry": calls_before_the_start_and_after_the_expiry,
    "repeated and false claims": repeated_and_false_claims,
    "a closed wallet": a_closed_wallet,
    "packet money outside the rules": packet_money_outside_the_rules,
    "the funder's wallet before the sweep": the_funders_wallet_before_the_sweep,
}

#: the machines `ecny-sim check` runs for the family: (the table's title, the machine)
MACHINES = [("state machine, one campaign", CampaignMachine)]


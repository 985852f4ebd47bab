"""The escrow state machine's invariants (a mixin of ``escrow_machine.EscrowMachine``): after every step the
chain is compared with the model; each invariant is named after the property it holds."""

from __future__ import annotations

from typing import Any

from hypothesis.stateful import invariant

from ..chain.clock import format_beijing
from .escrow_model import (ACTIVE, COURSES, I_UNKNOWN, OUTSIDER, PARENT_NAMES, SCHOOLS, SLACK, WALLETS,
                           lessons_due)
from .modelled import WalletTiers


class EscrowInvariants(WalletTiers):
    """Reads the chain's views once per block and checks them against ``self.m`` (the model)."""

    TIER_WALLETS = WALLETS

    def read(self, contract, fn: str, *args) -> Any:
        """A view of the latest block, read once per block."""
        block = self.chain.block_number
        if self._cache is None or self._cache[0] != block:
            self._cache = (block, {})
        key = (contract.name, fn, args)
        reads = self._cache[1]
        if key not in reads:
            reads[key] = self.chain.call(contract, fn, *args)
        return reads[key]

    def order_of(self, oid: int) -> dict:
        return self.read(self.escrow, "orderOf", oid)

    def views(self) -> dict:
        """The chain's balances and orders as of the latest block."""
        tok, esc = self.token, self.escrow
        return {
            "supply": self.read(tok, "totalSupply"),
            "balance": {w: self.read(tok, "balanceOf", w) for w in WALLETS},
            "free": {p: self.read(tok, "freeBalanceOf", p) for p in PARENT_NAMES},
            "earmarked": {p: self.read(tok, "earmarkedOf", p, esc.address) for p in PARENT_NAMES},
            "earmarked_total": self.read(tok, "earmarkedTotalOf", esc.address),
            "supervised": {s: self.read(esc, "supervisedBalanceOf", s) for s in SCHOOLS},
            "order_count": self.read(esc, "orderCount"),
            "orders": {oid: self.order_of(oid) for oid in self.m.orders},
        }

    @invariant()
    def invariant_MoneyIsConserved(self):
        """totalSupply == issued − redeemed == the sum of every wallet's balance (free + earmarked)."""
        v = self.views()
        self.check("OrdersMatchTheModel", v["order_count"] == len(self.m.orders),
                   f"the chain has {v['order_count']} orders, the model {len(self.m.orders)}")
        self.check(
            "MoneyIsConserved",
            v["supply"] == self.m.issued - self.m.redeemed == sum(v["balance"].values()),
            f"totalSupply {v['supply']}, issued − redeemed {self.m.issued - self.m.redeemed}, "
            f"sum of balances {sum(v['balance'].values())} {v['balance']}",
        )

    @invariant()
    def invariant_ClosedWalletMoneyIsCountedOnce(self):
        """A closed wallet holds nothing: its money left the supply once, when it was redeemed on close (the
        WalletClosed event's amount, checked in the rule); the supply is the open wallets' money."""
        v = self.views()
        closed = [w for w in WALLETS if not self.m.wallets[w].open]
        for w in closed:
            self.check("ClosedWalletMoneyIsCountedOnce", v["balance"][w] == 0,
                       f"closed {w} still holds {v['balance'][w]}")
        open_total = sum(v["balance"][w] for w in WALLETS if self.m.wallets[w].open)
        redeemed = sum(self.m.wallets[w].redeemed for w in WALLETS)
        self.check(
            "ClosedWalletMoneyIsCountedOnce",
            v["supply"] == open_total == self.m.issued - redeemed,
            f"totalSupply {v['supply']}, open wallets {open_total}, issued {self.m.issued} − redeemed {redeemed}",
        )

    @invariant()
    def invariant_EscrowBalanceEqualsUnconsumed(self):
        """What the escrow holds (earmarkedTotalOf) == Σ over the chain's orders of (paid − released −
        returned) × fee == the model's == Σ supervisedBalanceOf == the parents' earmarks; per school too."""
        v = self.views()
        chain_orders = sum(
            (o["lessonsPaid"] - o["lessonsReleased"] - o["lessonsReturned"]) * COURSES[o["courseId"]].fee
            for o in v["orders"].values()
        )
        model = sum(o.unconsumed * o.spec.fee for o in self.m.orders.values())
        self.check(
            "EscrowBalanceEqualsUnconsumed",
            v["earmarked_total"] == chain_orders == model == sum(v["supervised"].values())
            == sum(v["earmarked"].values()),
            f"earmarkedTotalOf {v['earmarked_total']}, the chain's orders {chain_orders}, model {model}, "
            f"supervised {v['supervised']}, parents' earmarks {v['earmarked']}",
        )
        for s in SCHOOLS:
            self.check(
                "EscrowBalanceEqualsUnconsumed",
                v["supervised"][s] == self.m.supervised_of(s),
                f"supervisedBalanceOf({s}) {v['supervised'][s]} != model {self.m.supervised_of(s)}",
            )

    @invariant()
    def invariant_NobodyGetsOutMoreThanTheyPutIn(self):
        """A parent never gets back more than they paid, and what they lost is exactly the lessons paid to a
        school; a school holds (or cashed out) exactly the fees of lessons released to it, never more than it
        recorded."""
        v = self.views()
        for p in PARENT_NAMES:
            w = self.m.wallets[p]
            self.check("NobodyGetsOutMoreThanTheyPutIn", w.refunds <= w.paid,
                       f"{p}: refunds {w.refunds} > paid {w.paid}")
            out = v["balance"][p] + w.redeemed  # what the parent holds or cashed out
            put_in = w.funded + w.got - w.sent
            self.check(
                "NobodyGetsOutMoreThanTheyPutIn",
                out + w.released_from == put_in and out <= put_in,
                f"{p}: holds+redeemed {out} + paid to schools {w.released_from} != put in {put_in}",
            )
        for o in self.m.orders.values():
            self.check(
                "NobodyGetsOutMoreThanTheyPutIn",
                o.released + o.pending <= o.recorded
                and o.released + o.pending + o.returned + o.left == o.paid and o.left >= 0,
                f"order {o.id}: {o}",
            )
        for s in SCHOOLS:
            orders = [(oid, got) for oid, got in v["orders"].items() if COURSES[got["courseId"]].school == s]
            released = sum(got["lessonsReleased"] * COURSES[got["courseId"]].fee for _, got in orders)
            recorded = sum(self.m.orders[oid].recorded * COURSES[got["courseId"]].fee for oid, got in orders)
            w = self.m.wallets[s]
            self.check(
                "NobodyGetsOutMoreThanTheyPutIn",
                v["balance"][s] + w.redeemed == w.received == released <= recorded,
                f"{s}: balance {v['balance'][s]} + redeemed {w.redeemed}, released lessons' fees {released}, "
                f"recorded {recorded}",
            )

    @invariant()
    def invariant_EarmarkedMoneyMovesOnlyAsItsControllerAllows(self):
        """Each parent's free money == funded + transfers in − out − fees paid + refunds − redeemed (nothing
        else moves it), and their earmark under the escrow == their orders' unconsumed fees."""
        v = self.views()
        for p in PARENT_NAMES:
            w = self.m.wallets[p]
            expected_free = w.funded + w.got - w.sent - w.paid + w.refunds - w.redeemed
            self.check(
                "EarmarkedMoneyMovesOnlyAsItsControllerAllows",
                v["free"][p] == expected_free == w.free,
                f"{p}: free {v['free'][p]}, funded − paid + refunds − redeemed {expected_free}",
            )
            self.check(
                "EarmarkedMoneyMovesOnlyAsItsControllerAllows",
                v["earmarked"][p] == self.m.earmarked_of(p),
                f"{p}: earmarkedOf {v['earmarked'][p]} != model {self.m.earmarked_of(p)}",
            )

    @invariant()
    def invariant_NoParentPaidAheadOfTheTimetable(self):
        """For every order (as the chain has it), the lessons released or held for the school ≤ the lessons
        the timetable delivered by the latest block since the order was placed, after the lessons still due
        on the parent's earlier orders of the course (the model's pace base), plus one lesson of slack."""
        v = self.views()
        t = self.chain.last_block_time
        for oid, o in self.m.orders.items():
            got = v["orders"][oid]
            c = o.spec
            charged = got["lessonsReleased"] + got["lessonsPending"]
            since_placed = lessons_due(c, t) - lessons_due(c, o.placed_at) + SLACK
            allowed = max(0, min(since_placed, lessons_due(c, t) - o.pace_base + SLACK))
            self.check(
                "NoParentPaidAheadOfTheTimetable",
                charged <= allowed,
                f"order {oid} (course {o.course}, placed {format_beijing(o.placed_at)}, pace base {o.pace_base}): "
                f"{charged} lessons paid or held for the school by {format_beijing(t)}, when the timetable "
                f"had delivered {lessons_due(c, t)} and allows {allowed}",
            )

    @invariant()
    def invariant_ClosureReturnsEveryUnconsumedFen(self):
        """Once a refund run of a closed or frozen school covered an order, none of its lessons is left
        unrefunded (frozen: none is held either, disputes cleared), and each such parent's money is exactly
        what they put in less the lessons released to schools: every fen not released stays with the parent
        (held) or went back."""
        v = self.views()
        parents = set()
        for oid, o in self.m.orders.items():
            if o.refund_run is None:
                continue
            got = v["orders"][oid]
            left = got["lessonsPaid"] - got["lessonsReleased"] - got["lessonsPending"] - got["lessonsReturned"]
            ok = left == 0 and (o.refund_run != "frozen" or (got["lessonsPending"] == 0 and not got["disputed"]))
            self.check("ClosureReturnsEveryUnconsumedFen", ok,
                       f"order {oid} after a refund run of a {o.refund_run} school: {left} lessons left, "
                       f"{got['lessonsPending']} held, disputed {got['disputed']}")
            parents.add(o.parent)
        for p in sorted(parents):
            w = self.m.wallets[p]
            released = sum(got["lessonsReleased"] * COURSES[got["courseId"]].fee
                           for oid, got in v["orders"].items() if self.m.orders[oid].parent == p)
            holds = v["balance"][p] + w.redeemed
            self.check("ClosureReturnsEveryUnconsumedFen", holds + released == w.funded + w.got - w.sent,
                       f"{p} holds (or cashed out) {holds}, {released} released to schools, put in "
                       f"{w.funded + w.got - w.sent}")

    def teardown(self):
        """After each sequence: every order's and institution's views agree with the model."""
        if self.failed:
            return
        call, esc, now = self.chain.call, self.escrow, self.now
        self.check_orders(self.m.orders)
        for oid, o in self.m.orders.items():
            got = (
                call(esc, "orderStateOf", oid),
                call(esc, "lessonsLeftOf", oid),
                call(esc, "refundableAmountOf", oid),
                call(esc, "releasableAmountOf", oid),
            )
            want = (o.state(), o.left, o.left * o.spec.fee if o.status == ACTIVE else 0,
                    o.matured(now, self.window) * o.spec.fee)
            self.check("OrdersMatchTheModel", got == want, f"order {oid} views {got} != {want}")
        for p in PARENT_NAMES:
            got = call(esc, "ordersOfParent", p)
            self.check("OrdersMatchTheModel", got == [o.id for o in self.m.orders_of(p)], f"ordersOfParent({p}) {got}")
        for w in WALLETS:
            self.check("OrdersMatchTheModel", call(self.token, "isOpen", w) == self.m.wallets[w].open, f"isOpen({w})")
            self.check("EveryWalletRespectsItsTier", call(self.token, "tierOfWallet", w) == self.m.wallets[w].tier,
                       f"tierOfWallet({w})")
        for s in (*SCHOOLS, OUTSIDER):
            got = call(esc, "institutionStatusOf", s)
            want = self.m.inst[s].status(now) if s in self.m.inst else I_UNKNOWN
            self.check("OrdersMatchTheModel", got == want, f"institutionStatusOf({s}) {got} != {want}")
        for cid, c in COURSES.items():
            got = call(esc, "lessonsDueBy", cid, now)
            self.check("NoParentPaidAheadOfTheTimetable", got == lessons_due(c, now), f"lessonsDueBy({cid}) {got}")

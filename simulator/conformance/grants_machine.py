"""GrantProgramme's state machine: a Hypothesis ``RuleBasedStateMachine`` that drives one grant programme
through its years and checks every outcome (the revert, or the exact events) against the Python model
(``grants_model``); its invariants are in ``grants_invariants``. Moved from tests/contracts/test_properties_grants.py
(whose docstring tells the rules and properties); ``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from ..chain.clock import DAY
from .grants_invariants import GrantsInvariants
from .grants_model import (ACTIVE, ADMIT_FLAW, AGENCY, ALLOWED, ALLOWED_PAYEES, AMOUNT_PART, CAPPED, CAPPED_CAP,
                           CLAWED_BACK, COMPLETED, DEPT, ENDED, EXCLUSION_DAYS, FIRM, FIRMS, FIRM_CANNOT_RECEIVE,
                           LANDLORD_FIRM, MAX_TRANCHES, MAX_U128, MGrant, Model, NAMES, NOT_ACTIVE, OTHER_PAYEES, PAY,
                           PICK, PROMISE_DAYS, PURPOSE, SPEND_TO, STEP, STINGY, TIME_STEP, TRANCHE, TRANCHES,
                           UNKNOWN_GRANT, VARIANT, WRONG_MILESTONE, ZERO, _deploy, interest_on)
from .modelled import ModelledSends
from .token_model import REGULATOR


class GrantsMachine(GrantsInvariants, ModelledSends, RuleBasedStateMachine):
    VARIANT, DEPLOY = VARIANT, staticmethod(_deploy)

    def __init__(self) -> None:
        super().__init__()
        self.gp = self.start().contract
        self.m = Model.initial()
        self.addr = {n: self.chain.address_of(n) for n in NAMES}
        self.addr[ZERO] = ZERO

    # ---------------------------------------------------------------- helpers

    def attempt(self, actor: str, contract, fn: str, args: tuple, predict) -> Any:
        """Runs `predict(model, events)` on a copy of the model (it returns the error it expects, or None
        after applying the transaction to the copy and listing the programme's events), sends the
        transaction, and keeps the copy if it succeeded."""
        m2, events = copy.deepcopy(self.m), []
        expect = predict(m2, events)
        r = self.send(actor, contract, fn, *args, expect=expect)
        if expect is None:
            self.m = m2
            got = [(e.name, e.args) for e in r.events if e.contract == self.gp.name]
            self.check("events_match_the_model", got == events, f"{fn}: events {got} != model {events}")
        return r

    def pick_grant(self, pick: int, statuses=None) -> int:
        """A grant id: mostly one in `statuses`, sometimes any, now and then an unknown one."""
        chosen = [g.id for g in self.m.grants if statuses is None or g.status in statuses] if pick % 8 else []
        return self.pick_id(pick, [g.id for g in self.m.grants], chosen)

    def a(self, name: str) -> str:
        return self.addr[name]

    # ---------------------------------------------------------------- predictions

    def own_move_error(self, m: Model, who: str) -> str | None:
        w = m.wallets.get(who)
        if w is None or not w.open:
            return "ECNY_WalletNotOpen"
        if w.frozen:
            return "ECNY_WalletFrozen"
        return None

    def do_fund(self, caller: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if amount == 0:
                return "Grant_ZeroAmount"
            if amount > MAX_U128 - m.totals["fundedFen"]:
                return "Grant_AmountTooLarge"
            error = self.own_move_error(m, DEPT)
            if error:
                return error
            if m.wallets[DEPT].free < amount:
                return "ECNY_InsufficientFree"
            m.totals["fundedFen"] += amount
            m.wallets[DEPT].free -= amount
            m.wallets[DEPT].grant += amount
            events.append(("ProgrammeFunded", {"department": self.a(DEPT), "amountFen": amount}))
            return None

        self.attempt(caller, self.gp, "fund", (amount,), predict)

    def do_withdraw(self, caller: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if amount == 0:
                return "Grant_ZeroAmount"
            if amount > m.withdrawable:
                return "Grant_BudgetExceeded"
            m.totals["withdrawnFen"] += amount
            m.wallets[DEPT].grant -= amount
            m.wallets[DEPT].free += amount
            events.append(("UnpaidWithdrawn", {"department": self.a(DEPT), "amountFen": amount}))
            return None

        self.attempt(caller, self.gp, "withdrawUnpaid", (amount,), predict)

    def do_admit(self, caller: str, firms: list[str], tranches: list[list[int]]) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != DEPT:
                return "Grant_NotDepartment"
            if len(firms) != len(tranches):
                return "Grant_LengthMismatch"
            available = m.withdrawable
            for firm, amounts in zip(firms, tranches):
                if firm == ZERO:
                    return "Grant_ZeroAddress"
                if firm in (DEPT, AGENCY):
                    return "Grant_InvalidFirm"
                live = {g.status for g in m.live_grants(firm, now)}
                if ACTIVE in live:
                    return "Grant_FirmHasActiveGrant"
                if CLAWED_BACK in live:
                    return "Grant_FirmHasDebt"
                if live:
                    return "Grant_FirmUnderPromise"
                if m.excluded_until.get(firm, 0) > now:
                    return "Grant_FirmExcluded"
                if not 1 <= len(amounts) <= MAX_TRANCHES:
                    return "Grant_BadTranches"
                size = 0
                for a in amounts:
                    if a == 0:
                        return "Grant_ZeroAmount"
                    if a > available - size:
                        return "Grant_BudgetExceeded"
                    size += a
                available -= size
                gid = len(m.grants) + 1
                m.grants.append(MGrant(gid, firm, list(amounts), now))
                m.live[firm] = gid
                m.totals["committedFen"] += size
                events.append(("FirmAdmitted", {"grantId": gid, "firm": self.a(firm), "sizeFen": size,
                                                "tranches": len(amounts)}))
            return None

        first = len(self.m.grants) + 1
        r = self.attempt(caller, self.gp, "admitFirms", ([self.a(f) for f in firms], tranches), predict)
        if r.status == 1:
            self.check("grants_match_the_model", r.return_value == first, f"admitFirms returned {r.return_value}")

    def do_attest(self, caller: str, gids: list[int], milestone: int) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            for gid in gids:
                # a grant that cannot take the milestone is skipped; nothing changes for it
                g = m.grant(gid)
                withholding = g is not None and g.status == CLAWED_BACK
                if g is None:
                    reason = UNKNOWN_GRANT
                elif g.status != ACTIVE and not withholding or g.settled == len(g.tranches):
                    reason = NOT_ACTIVE  # (a clawed-back grant with no tranche left too)
                elif milestone != g.settled:
                    reason = WRONG_MILESTONE  # (also a grant listed twice)
                elif not withholding and not m.can_receive(g.firm, g.tranches[milestone]):
                    reason = FIRM_CANNOT_RECEIVE  # its wallet is closed or at its cap: the tranche waits
                else:
                    reason = PAY
                if reason != PAY:
                    events.append(("MilestoneSkipped", {"grantId": gid, "milestone": milestone, "reason": reason}))
                    continue
                amount = g.tranches[milestone]
                g.settled += 1
                m.totals["committedFen"] -= amount
                if withholding:
                    outstanding = g.outstanding
                    withheld = min(amount, outstanding)
                    cancelled = amount - withheld
                    g.withheld += withheld
                    m.totals["withheldFen"] += withheld
                    m.totals["paidOutFen"] += withheld
                    if withheld == outstanding:
                        cancelled += m.settle(g)
                    events.append(("TrancheWithheld", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                                       "withheldFen": withheld, "cancelledFen": cancelled}))
                    continue
                g.paid_at[milestone] = now
                m.promises_end = max(m.promises_end, g.promise_end)
                m.totals["paidOutFen"] += amount
                m.totals["paidToFirmsFen"] += amount
                if g.settled == len(g.tranches):
                    g.status = COMPLETED
                events.append(("TranchePaid", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                               "amountFen": amount}))
                m.move_grant_money(DEPT, g.firm, amount)
            return None

        self.attempt(caller, self.gp, "attestMilestones", (gids, milestone), predict)

    def do_missed(self, caller: str, gid: int, milestone: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            clawed_back = g.status == CLAWED_BACK and g.settled < len(g.tranches)  # (tranches it will not earn)
            if g.status != ACTIVE and not clawed_back:
                return "Grant_NotActive"
            if milestone != g.settled:
                return "Grant_WrongMilestone"
            if not clawed_back:
                g.status = ENDED
                if g.paid == 0:  # nothing received: no promise to keep
                    m.live.pop(g.firm, None)
            cancelled = m.cancel_remaining(g)
            events.append(("MilestoneMissed", {"grantId": gid, "firm": self.a(g.firm), "milestone": milestone,
                                               "cancelledFen": cancelled}))
            return None

        self.attempt(caller, self.gp, "recordMissedMilestone", (gid, milestone), predict)

    def do_breach(self, caller: str, gid: int, breached_at: int, fraud: bool) -> None:
        now = self.now

        def predict(m: Model, events: list) -> str | None:
            if caller != AGENCY:
                return "Grant_NotAgency"
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            if g.clawed:
                return "Grant_AlreadyClawedBack"
            if g.paid == 0 and not fraud:
                return "Grant_NothingReceived"
            live = [x.id for x in m.live_grants(g.firm, now)]
            if live and live != [gid]:  # one debt at a time, on the firm's one live grant
                return "Grant_AnotherGrantLive"
            if not m.is_open(DEPT):
                return "Grant_DepartmentWalletNeeded"
            if breached_at < g.admitted_at or breached_at > now:
                return "Grant_BadBreachTime"
            if not fraud and breached_at >= g.admitted_at + PROMISE_DAYS * DAY:
                return "Grant_PromiseKept"
            principal = g.paid
            interest = sum(interest_on(a, t, breached_at) for a, t in zip(g.tranches, g.paid_at) if t)
            owed = principal + interest - g.on_close  # money returned on close is the department's already
            returned = min(m.wallets[g.firm].grant, owed)
            g.status, g.breached_at, g.fraud = CLAWED_BACK, breached_at, fraud
            g.interest, g.returned = interest, returned
            m.totals["owedFen"] += owed
            m.totals["interestFen"] += interest
            m.totals["returnedUnspentFen"] += returned
            if owed == returned:
                m.settle(g)
            else:
                m.live[g.firm] = gid
            events.append(("GrantClawedBack", {"grantId": gid, "firm": self.a(g.firm), "principalFen": principal,
                                               "interestFen": interest, "creditedOnCloseFen": g.on_close,
                                               "returnedUnspentFen": returned, "outstandingFen": owed - returned,
                                               "breachedAt": breached_at}))
            if fraud:
                until = now + EXCLUSION_DAYS * DAY
                m.excluded_until[g.firm] = until
                events.append(("FirmExcluded", {"firm": self.a(g.firm), "until": until}))
            m.move_grant_money(g.firm, DEPT, returned)
            return None

        self.attempt(caller, self.gp, "recordBreach", (gid, breached_at, fraud), predict)

    def do_spend(self, firm: str, payee: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if amount == 0:
                return "Grant_ZeroAmount"
            w = m.wallets.get(firm)
            if w is not None and w.frozen:
                return "Grant_WalletFrozen"
            purpose = PURPOSE.get(payee, 0)
            if payee == firm or purpose not in ALLOWED:
                return "Grant_PurposeNotAllowed"
            available = 0 if firm == DEPT or w is None else w.grant
            if available < amount:
                return "Grant_InsufficientGrantMoney"
            if not m.is_open(payee):
                return "ECNY_WalletNotOpen"
            m.totals["spentFen"] += amount
            w.grant -= amount
            m.wallets[payee].free += amount
            m.wallets[payee].grant_in += amount
            events.append(("GrantSpent", {"firm": self.a(firm), "payee": self.a(payee), "purpose": purpose,
                                          "amountFen": amount}))
            return None

        r = self.attempt(firm, self.gp, "spend", (self.a(payee), amount), predict)
        if r.status == 0 and r.error.name == "Grant_PurposeNotAllowed":
            want = {"payee": self.a(payee), "purpose": PURPOSE.get(payee, 0)}
            self.check("grant_money_never_reaches_a_payee_outside_its_purpose", r.error.args == want,
                       f"spend refused with {r.error.args}, model {want}")

    def do_repay(self, caller: str, gid: int, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            g = m.grant(gid)
            if g is None:
                return "Grant_UnknownGrant"
            if caller != g.firm:
                return "Grant_NotFirm"
            if g.status != CLAWED_BACK:
                return "Grant_NoDebt"
            if amount == 0:
                return "Grant_ZeroAmount"
            outstanding = g.outstanding
            if amount > outstanding:
                return "Grant_RepaymentExceedsDebt"
            w = m.wallets[caller]
            error = self.own_move_error(m, caller)
            if error:
                return error
            if caller == STINGY:
                return "ECNY_InsufficientAllowance"
            if w.free < amount:
                return "ECNY_InsufficientFree"
            if not m.is_open(DEPT):
                return "ECNY_WalletNotOpen"
            g.repaid += amount
            m.totals["repaidFen"] += amount
            if amount == outstanding:
                m.settle(g)
            events.append(("DebtRepaid", {"grantId": gid, "firm": self.a(caller), "amountFen": amount,
                                          "outstandingFen": outstanding - amount}))
            w.free -= amount
            m.wallets[DEPT].grant += amount
            return None

        self.attempt(caller, self.gp, "repay", (gid, amount), predict)

    def do_transfer(self, sender: str, to: str, amount: int) -> None:
        def predict(m: Model, events: list) -> str | None:
            if amount == 0:
                return "ECNY_ZeroAmount"
            error = self.own_move_error(m, sender)
            if error:
                return error
            if not m.is_open(to):
                return "ECNY_WalletNotOpen"
            if not m.can_receive(to, amount):
                return "ECNY_BalanceCapExceeded"
            w = m.wallets[sender]
            if w.free < amount:
                return "ECNY_InsufficientFree"
            w.free -= amount
            m.wallets[to].free += amount
            m.wallets[to].own_in += amount
            return None

        self.attempt(sender, self.token, "transfer", (self.a(to), amount), predict)

    def do_close(self, who: str) -> None:
        def predict(m: Model, events: list) -> str | None:
            error = self.own_move_error(m, who)
            if error:
                return error
            w = m.wallets[who]
            if who == DEPT and self.department_needed(m, self.now):
                return "Grant_DepartmentWalletNeeded"
            if w.grant:
                m.totals["returnedOnCloseFen"] += w.grant
                gid = m.live.get(who, 0)
                g = m.grant(gid) if gid else None
                if g is not None and not g.clawed:  # a later clawback credits the live grant's own money only
                    g.on_close += min(w.grant, g.paid - g.on_close)
                events.append(("GrantMoneyReturnedOnClose", {"firm": self.a(who), "amountFen": w.grant}))
                m.move_grant_money(who, DEPT, w.grant)
            w.redeemed += w.free
            w.free = 0
            w.open = False
            return None

        self.attempt(who, self.token, "closeWallet", (self.a(who),), predict)

    @staticmethod
    def department_needed(m: Model, now: int) -> bool:
        """The department's wallet must stay open while the programme holds money anywhere, is owed any, or a
        paid grant's promise still runs (a breach would bring money back to it)."""
        return bool(m.budget or any(m.wallets[f].grant for f in FIRMS) or any(g.outstanding for g in m.grants)
                    or now < m.promises_end)

    # ================================================================ rules

    @initialize(budget=st.integers(2_000_000, 8_000_000), firms=st.lists(FIRM, min_size=1, max_size=3, unique=True),
                tranches=st.lists(TRANCHES, min_size=3, max_size=3))
    def programme_starts(self, budget, firms, tranches):
        """The department funds the programme and admits its first firms."""
        self.do_fund(DEPT, budget)
        self.do_admit(DEPT, firms, tranches[: len(firms)])

    @rule(what=st.sampled_from(["fund", "fund", "withdraw"]),
          amount=st.one_of(st.integers(1, 5_000_000), st.sampled_from([0, 0.25, 0.5, 1.0, "all", "more", MAX_U128])),
          caller=st.sampled_from([DEPT, DEPT, DEPT, DEPT, AGENCY, "firm:a"]))
    def department_manages_the_budget(self, what, amount, caller):
        """The department tops the budget up (up to all its money, or one fen more), or takes part or all of
        the uncommitted budget back (or one fen more); someone else tries."""
        have = self.m.wallets[DEPT].free if what == "fund" else self.m.withdrawable
        if isinstance(amount, float):
            amount = int(have * amount)
        elif isinstance(amount, str):
            amount = have + (amount == "more")
        elif what == "withdraw" and amount != MAX_U128:
            amount = min(amount, have + 1)
        (self.do_fund if what == "fund" else self.do_withdraw)(caller, amount)

    @rule(firms=st.lists(FIRM, min_size=1, max_size=2, unique=True),
          tranches=st.lists(TRANCHES, min_size=2, max_size=2), flaw=ADMIT_FLAW)
    def department_admits_firms(self, firms, tranches, flaw):
        """One or two firms (refused when one has a grant or a debt, or is excluded); now and then with a flaw."""
        firms, tranches, caller = list(firms), [list(t) for t in tranches[: len(firms)]], DEPT
        if flaw == "no tranches":
            tranches[0] = []
        elif flaw == "nine tranches":
            tranches[0] = [1] * (MAX_TRANCHES + 1)
        elif flaw == "zero tranche":
            tranches[-1].append(0)
        elif flaw == "too much":
            tranches[-1][-1] = self.m.withdrawable + 1
        elif flaw == "twice":
            firms.append(firms[0])
            tranches.append([1])
        elif flaw in ("department", "agency", "zero address"):
            firms[-1] = {"department": DEPT, "agency": AGENCY, "zero address": ZERO}[flaw]
        elif flaw == "by agency":
            caller = AGENCY
        self.do_admit(caller, firms, tranches)

    @rule(firm=FIRM, tranches=TRANCHES, steps=st.lists(st.tuples(STEP, st.integers(0, 999)), min_size=2, max_size=6))
    def a_firm_lives_through_its_grant(self, firm, tranches, steps):
        """A firm's grant from admission on (or its live grant: active, owing a debt, or under its promise): the
        agency attests milestones (withheld once clawed back), the firm spends on allowed payees and tries
        others, time passes, the agency records a missed milestone or a breach (fraud now and then), the
        firm repays part or all of its debt."""
        live = self.m.live_grants(firm, self.now)
        if live:
            g = live[-1]
        else:
            short = sum(tranches) - self.m.withdrawable
            if short > 0:
                self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
            n = len(self.m.grants)
            self.do_admit(DEPT, [firm], [tranches])
            if len(self.m.grants) == n:
                return
            g = self.m.grants[-1]
        for kind, x in steps:
            g = self.m.grant(g.id)  # (the model is replaced after each transaction)
            w = self.m.wallets[firm]
            if kind == "attest":
                if g.settled < len(g.tranches):
                    self.do_attest(AGENCY, [g.id], g.settled)
            elif kind == "spend":
                self.do_spend(firm, ALLOWED_PAYEES[x % len(ALLOWED_PAYEES)], max(1, w.grant * (x % 10 + 1) // 10))
            elif kind == "spend elsewhere":
                self.do_spend(firm, OTHER_PAYEES[x % len(OTHER_PAYEES)], max(1, w.grant // 2))
            elif kind == "wait":
                self.chain.advance(x * DAY // 2)
            elif kind == "miss":
                self.do_missed(AGENCY, g.id, g.settled)
            elif kind == "breach":
                now = self.now
                self.do_breach(AGENCY, g.id, g.admitted_at + (now - g.admitted_at) * (x % 101) // 100, x % 5 == 0)
            elif kind == "repay":
                self.do_repay(firm, g.id, max(1, g.outstanding * (x % 3 + 1) // 3))

    @rule(firm=FIRM, tranches=st.lists(TRANCHE, min_size=2, max_size=4), spent=st.integers(0, 10),
          days=st.integers(0, 800), fraud=st.sampled_from([False, False, True]), late=st.integers(0, 30),
          repay=st.sampled_from([0, 1, 2, 3]), closes=st.sampled_from([False, False, True]))
    def a_firm_moves_away_mid_grant(self, firm, tranches, spent, days, fraud, late, repay, closes):
        """A firm is admitted, gets its first tranche, spends part of it, and after some days moves away (or is
        found cheating); with `closes` it closes its wallet when it leaves (its unspent grant money returns
        then and is credited against the debt). The breach is recorded up to a month later. Its unspent money
        returns; its next tranches are withheld against the debt (the excess and the rest cancelled once it
        is cleared); it repays part, all, or nothing (refused once its wallet is closed)."""
        free = [f for f in FIRMS if not self.m.live_grants(f, self.now)]  # (else the admission is refused)
        firm = firm if not free or firm in free else free[0]
        short = sum(tranches) - self.m.withdrawable
        if short > 0:
            self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
        n = len(self.m.grants)
        self.do_admit(DEPT, [firm], [tranches])
        if len(self.m.grants) == n:
            return
        gid = self.m.grants[-1].id
        self.do_attest(AGENCY, [gid], 0)
        payee = ALLOWED_PAYEES[(spent + days) % len(ALLOWED_PAYEES)]
        self.do_spend(firm, payee, max(1, self.m.wallets[firm].grant * spent // 10))
        self.chain.advance(days * DAY)
        breached_at = self.now
        if closes:
            self.do_close(firm)
        self.chain.advance(late * DAY)
        self.do_breach(AGENCY, gid, breached_at, fraud)
        for milestone in range(1, len(tranches)):
            g = self.m.grant(gid)
            if g.status != CLAWED_BACK:
                break
            self.do_attest(AGENCY, [gid], milestone)
        g = self.m.grant(gid)
        if repay and g.outstanding:
            self.do_repay(firm, gid, max(1, g.outstanding * repay // 3))

    @precondition(lambda self: self.m.grants)
    @rule(picks=st.lists(PICK, min_size=1, max_size=3), offset=st.sampled_from([0, 0, 0, 0, 1, -1]),
          caller=st.sampled_from([AGENCY] * 5 + [DEPT]))
    def agency_attests_milestones(self, picks, offset, caller):
        """The next milestone of one or more grants (active or clawed back) with the same next milestone; or
        a wrong milestone, an unknown or finished grant, the department attesting."""
        gids = [self.pick_grant(p, (ACTIVE, CLAWED_BACK)) for p in picks]
        first = self.m.grant(gids[0])
        milestone = max(0, (first.settled if first else 0) + offset)
        same = [gids[0]] + [g for g in gids[1:] if (x := self.m.grant(g)) is None or x.settled == milestone]
        self.do_attest(caller, same, milestone)

    @precondition(lambda self: self.m.grants)
    @rule(pick=PICK, offset=st.sampled_from([0, 0, 0, 1]), caller=st.sampled_from([AGENCY, AGENCY, AGENCY, DEPT]))
    def agency_records_a_missed_milestone(self, pick, offset, caller):
        gid = self.pick_grant(pick, (ACTIVE,))
        g = self.m.grant(gid)
        self.do_missed(caller, gid, (g.settled if g else 0) + offset)

    @precondition(lambda self: any(g.paid for g in self.m.grants))
    @rule(pick=PICK, when=st.one_of(st.floats(0, 1), st.sampled_from(["admission", "now", "before", "future",
                                                                       "promise end", "last day"])),
          fraud=st.sampled_from([False, False, True]), caller=st.sampled_from([AGENCY] * 5 + [DEPT]))
    def agency_records_a_breach(self, pick, when, fraud, caller):
        """The firm moved away (or cheated) at a random time between its admission and now; or at a time
        that is refused (before admission, in the future, after the promise ended without fraud)."""
        paid = [g.id for g in self.m.grants if g.paid and not g.clawed]
        gid = paid[pick % len(paid)] if paid and pick % 8 else self.pick_grant(pick)
        g = self.m.grant(gid)
        now = self.now
        start = g.admitted_at if g else now
        promise_end = start + PROMISE_DAYS * DAY
        at = {"admission": start, "now": now, "before": start - 1, "future": now + 1,
              "promise end": promise_end, "last day": promise_end - 1}.get(when) if isinstance(when, str) \
            else start + int((now - start) * when)
        self.do_breach(caller, gid, at, fraud)

    @rule(firm=st.sampled_from(FIRMS + (DEPT, "stranger")), to=SPEND_TO, part=AMOUNT_PART)
    def firm_spends_grant_money(self, firm, to, part):
        """Part or all of a firm's grant money (or one fen more, or nothing) to a payee of an allowed purpose,
        of another purpose, an unregistered wallet, or itself (as the landlord firm); the department and a
        stranger try too."""
        payee = firm if to == "self" else to
        if payee == "self" or payee not in PURPOSE and payee != firm:
            payee = LANDLORD_FIRM
        w = self.m.wallets.get(firm)
        have = w.grant if w is not None and firm != DEPT else 0
        amount = {"zero": 0, "more": have + 1}.get(part, 0) if isinstance(part, str) else max(1, int(have * part))
        self.do_spend(firm, payee, amount)

    @rule(firm=FIRM, to=st.sampled_from(OTHER_PAYEES + ALLOWED_PAYEES + ("firm:a", CAPPED)),
          amount=st.integers(1, 60_000), too_much=st.sampled_from([False, False, False, True]))
    def firm_pays_with_own_money(self, firm, to, amount, too_much):
        """A firm pays anyone with its own money (payees outside the programme's purposes too); with
        `too_much`, more than its free money (its grant money does not move this way)."""
        if to == firm:
            to = "payee:supplier"
        if too_much:
            amount = self.m.wallets[firm].free + 1
        self.do_transfer(firm, to, amount)

    @precondition(lambda self: any(g.clawed for g in self.m.grants))
    @rule(pick=PICK, part=st.sampled_from([0.3, 0.5, 1.0, 1.0, "more", "zero"]),
          caller=st.sampled_from(["firm", "firm", "firm", "other"]))
    def firm_repays_its_debt(self, pick, part, caller):
        """Part or all of a debt (or more than it, or nothing); another firm tries to repay it."""
        gid = self.pick_grant(pick, (CLAWED_BACK,))
        g = self.m.grant(gid)
        firm = g.firm if g else "firm:a"
        if caller == "other":
            firm = next(f for f in FIRMS if f != firm)
        owed = g.outstanding if g else 0
        amount = {"zero": 0, "more": owed + 1}[part] if isinstance(part, str) else max(1, int(owed * part))
        self.do_repay(firm, gid, amount)

    @rule(who=st.sampled_from(FIRMS + (DEPT,)), what=st.sampled_from(["unfreeze", "freeze", "unfreeze", "close"]),
          pick=PICK)
    def a_wallet_is_closed_or_frozen(self, who, what, pick):
        """A firm closes its wallet (its grant money returns to the programme; refused while frozen), the
        department tries to close its own (refused while the programme holds money anywhere or is owed
        any), the regulator freezes or
        unfreezes a firm (a frozen firm cannot spend grant money, pay or repay)."""
        w = self.m.wallets[who]
        if what == "close":
            if who == DEPT and not self.department_needed(self.m, self.now) and pick % 4:
                return  # the department's wallet closes now and then only: nothing much happens after that
            self.do_close(who)
        elif who != DEPT and w.open and w.frozen == (what == "unfreeze"):
            self.send(REGULATOR, self.token, f"{what}Wallet", who, expect=None)
            w.frozen = not w.frozen

    @rule(offsets=st.lists(st.integers(-100_000, 300_000), min_size=1, max_size=3), out=st.integers(0, 300_000))
    def the_capped_firm_waits_for_room(self, offsets, out):
        """firm:b (its wallet capped at ¥10,000, grant money included) is admitted if it may be, for tranches
        around the room left in its wallet (`offsets` from it); the agency attests its next milestone (skipped
        while the tranche would take it over the cap), the firm pays some of its own money out, and the agency
        attests again (paid if there is room now)."""
        live = self.m.live_grants(CAPPED, self.now)
        if not live:
            w = self.m.wallets[CAPPED]
            room = CAPPED_CAP - w.free - w.grant
            tranches = [max(1, room + off) for off in offsets]
            short = sum(tranches) - self.m.withdrawable
            if short > 0:
                self.do_fund(DEPT, min(short, self.m.wallets[DEPT].free) or 1)
            self.do_admit(DEPT, [CAPPED], [tranches])
            live = self.m.live_grants(CAPPED, self.now)
        if not live or live[-1].status != ACTIVE:
            return
        gid = live[-1].id
        self.do_attest(AGENCY, [gid], self.m.grant(gid).settled)
        if out:
            self.do_transfer(CAPPED, "payee:supplier", out)
        g = self.m.grant(gid)
        if g.status == ACTIVE:
            self.do_attest(AGENCY, [gid], g.settled)

    @precondition(lambda self: any(self.m.wallets[f].grant and self.m.wallets[f].open for f in FIRMS))
    @rule(pick=PICK, days=st.integers(0, 400), breach=st.sampled_from(["breach", "breach", "fraud", "none"]))
    def a_firm_closes_its_wallet_holding_grant_money(self, pick, days, breach):
        """A firm leaves with grant money unspent and closes its wallet: the money returns to the department and
        is credited to its live grant; some days later the agency records the breach (or fraud), and the firm
        owes principal + interest less that credit (the remaining tranches are skipped: the wallet is gone)."""
        firms = [f for f in FIRMS if self.m.wallets[f].grant and self.m.wallets[f].open]
        firm = firms[pick % len(firms)]
        gid = self.m.live.get(firm, 0)
        self.do_close(firm)
        self.chain.advance(days * DAY)
        g = self.m.grant(gid)
        if g is None or breach == "none":
            return
        if g.settled < len(g.tranches) and g.status == ACTIVE:
            self.do_attest(AGENCY, [gid], g.settled)  # skipped: FirmCannotReceive
        self.do_breach(AGENCY, gid, self.now, breach == "fraud")

    @rule(step=TIME_STEP)
    def time_passes(self, step):
        self.chain.advance(step)

    @precondition(lambda self: self.m.grants)
    @rule(pick=PICK, edge=st.sampled_from(["promise", "exclusion"]), delta=st.sampled_from([-1, 0, 1]),
          then=st.sampled_from(["breach", "admit", "nothing"]))
    def time_moves_to_an_edge(self, pick, edge, delta, then):
        """Time jumps onto a grant's promise end or a firm's exclusion end (a second before or after), and the
        agency records a breach there (with the breach time now) or the department admits the firm."""
        g = self.m.grant(self.pick_grant(pick))
        if g is None:
            return
        at = g.admitted_at + PROMISE_DAYS * DAY if edge == "promise" else self.m.excluded_until.get(g.firm, 0)
        if not self.now <= at + delta:
            return
        self.chain.set_time(at + delta)
        if then == "breach":
            self.do_breach(AGENCY, g.id, self.now, False)
        elif then == "admit":
            self.do_admit(DEPT, [g.firm], [[50_000]])

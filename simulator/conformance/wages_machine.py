"""WagePassThrough's world, the Python model of its rules and its state machine (IWagePassThrough with the
token): a Hypothesis ``RuleBasedStateMachine`` drives pay runs (funding, paydays, payments, returns, diversion
attempts, closed and full wallets) and checks every outcome (the revert, or the exact events) and, after every
step, the invariants against the model. Moved from tests/contracts/test_properties_wages.py (whose docstring
tells the rules and properties) so that ``ecny-sim check`` runs it against a developer's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..chain import Chain
from ..chain.clock import DAY, HOUR, parse_beijing
from ..domain.settings import WALLET_TIERS
from .modelled import ModelledSends
from .token_model import BANK, MAX_UINT, Base, deploy_family, open_wallet

# ------------------------------------------------------------------------------------------ the world

T0 = parse_beijing("2022-07-01 08:00")
ZERO = "0x" + "00" * 20
MAX_U128 = 2**128 - 1
MAX_U64 = 2**64 - 1
TIERS = dict(WALLET_TIERS)

MAIN, SUB = "contractor:main", "contractor:sub"
MAIN_FUNDS = 3_000_000  # ¥30,000
SUB_FUNDS = 200_000  # the subcontractor's own money
WORKERS = ("worker:1", "worker:2", "worker:3", "worker:4", "worker:5")
GHOST = "worker:ghost"  # listed now and then, never had a wallet
CRONY = "crony"  # the subcontractor's friend: has a wallet, never on a pay run
FOREMAN = "foreman"  # no wallet: anyone, paying workers after payday
LISTABLE = WORKERS + (GHOST,)
# wallet -> (tier, own money)
WALLETS = {MAIN: ("corporate", MAIN_FUNDS), SUB: ("corporate", SUB_FUNDS), CRONY: ("lowest", 0),
           **{w: ("lowest", 0) for w in WORKERS[:3]}, **{w: ("id_verified", 0) for w in WORKERS[3:]}}
WALLET_NAMES = tuple(WALLETS)
NAMES = WALLET_NAMES + (GHOST, FOREMAN)
# WageSkipReason (types/SubsidyTypes.sol); PAID (None) means the worker is paid
PAID, NOT_ON_PAYROLL, ALREADY_SETTLED, WALLET_CANNOT_RECEIVE = 0, 1, 2, 3
LOWEST_CAP = WALLET_TIERS["lowest"].balance_cap_fen


VARIANT = "WagePassThrough"


def _deploy(variant: str) -> Base:
    """ECNY and one WagePassThrough, the contractors' and workers' wallets opened and funded. `variant` is a developer's
    contract while their build is active."""
    chain = Chain(T0, seed=20220701)
    token, wages = deploy_family(chain, variant, BANK,
                                 lambda token: (token.address, chain.address_of(MAIN), chain.address_of(SUB)))
    for name, (tier, own) in WALLETS.items():
        open_wallet(chain, token, name, tier, own)
    chain.send(MAIN, token, "approveEarmark", wages, MAX_UINT)
    chain.send(SUB, token, "approveEarmark", wages, MAX_UINT)  # never used: wages are never taken from it
    for name in (GHOST, FOREMAN):
        chain.address_of(name)
    chain.set_time(T0 + HOUR)
    return Base(chain, token, wages, chain.snapshot())


# ------------------------------------------------------------------------------------------ the model


@dataclass
class MWallet:
    start: int
    free: int
    open: bool = True
    redeemed: int = 0
    own_in: int = 0  # own money transferred to it
    own_out: int = 0


@dataclass
class MPayroll:
    id: int
    payday: int
    wages: dict[str, int]  # worker -> wage, in listing order
    paid: dict[str, str] = field(default_factory=dict)  # worker -> who paid it
    returned: set[str] = field(default_factory=set)

    def settled(self, worker: str) -> bool:
        return worker in self.paid or worker in self.returned

    @property
    def pending(self) -> int:
        return sum(a for w, a in self.wages.items() if not self.settled(w))


@dataclass
class Model:
    wallets: dict[str, MWallet] = field(default_factory=dict)
    payrolls: list[MPayroll] = field(default_factory=list)  # id i + 1 at index i
    issued: int = 0

    @classmethod
    def initial(cls) -> "Model":
        m = cls()
        for name, (_, own) in WALLETS.items():
            m.wallets[name] = MWallet(own, own)
            m.issued += own
        return m

    def payroll(self, pid: int) -> MPayroll | None:
        return self.payrolls[pid - 1] if 1 <= pid <= len(self.payrolls) else None

    @property
    def pending(self) -> int:
        return sum(p.pending for p in self.payrolls)

    def paid_to(self, worker: str) -> int:
        return sum(p.wages[worker] for p in self.payrolls if worker in p.paid)

    @property
    def funded(self) -> int:
        return sum(sum(p.wages.values()) for p in self.payrolls)

    @property
    def returned(self) -> int:
        return sum(p.wages[w] for p in self.payrolls for w in p.returned)

    def is_open(self, name: str) -> bool:
        w = self.wallets.get(name)
        return w is not None and w.open




# ------------------------------------------------------------------------------------------ strategies

WAGE = st.one_of(st.integers(1, 60_000), st.sampled_from([1, 30_000, 100_000]))
CREW = st.lists(st.sampled_from(WORKERS * 4 + (GHOST,)), min_size=1, max_size=5, unique=True)  # the ghost now and then
PAYDAY = st.one_of(  # seconds from now
    st.integers(0, 5 * DAY),
    st.sampled_from([-DAY, -1, 0, 1, HOUR, 7 * DAY]),
)
# how a pay run goes wrong (mostly it does not)
FLAW = st.sampled_from(["none"] * 8 + ["bad:main", "bad:sub", "bad:zero", "duplicate", "zero wage", "mismatch",
                                       "empty", "too large", "too much", "by sub", "by worker", "payday too late"])
PICK = st.integers(0, 63)
PAYER = st.sampled_from([SUB, SUB, SUB, FOREMAN, "worker:1", MAIN, CRONY])
DIVERT_TO = st.sampled_from([SUB, CRONY, MAIN, "worker:1", "worker:5", ZERO])


# ------------------------------------------------------------------------------------------ the machine


class WagesMachine(ModelledSends, RuleBasedStateMachine):
    VARIANT, DEPLOY = VARIANT, staticmethod(_deploy)

    def __init__(self) -> None:
        super().__init__()
        self.wages = self.start().contract
        self.m = Model.initial()
        self.addr = {n: self.chain.address_of(n) for n in NAMES}
        self.addr[ZERO] = ZERO

    # ---------------------------------------------------------------- helpers

    def pick_payroll(self, pick: int) -> int:
        """A pay run id: mostly one with wages still to pay, sometimes any, now and then an unknown id."""
        pending = [p.id for p in self.m.payrolls if p.pending] if pick % 4 else []
        return self.pick_id(pick, [p.id for p in self.m.payrolls], pending)

    # ---------------------------------------------------------------- actions

    def do_fund(self, caller: str, workers: list[str], wages: list[int], payday: int) -> int | None:
        m = self.m
        expect = None
        if caller != MAIN:
            expect = "Wage_NotMainContractor"
        elif len(workers) != len(wages):
            expect = "Wage_LengthMismatch"
        elif not workers:
            expect = "Wage_EmptyPayroll"
        elif payday > MAX_U64:
            expect = "Wage_PaydayTooLate"
        else:
            seen, total = set(), 0
            for w, a in zip(workers, wages):
                if w in (ZERO, MAIN, SUB):
                    expect = "Wage_BadWorker"
                elif a == 0:
                    expect = "Wage_ZeroWage"
                elif w in seen:
                    expect = "Wage_DuplicateWorker"
                elif a > MAX_U128 - total:
                    expect = "Wage_AmountTooLarge"
                if expect:
                    break
                seen.add(w)
                total += a
            if expect is None and m.wallets[MAIN].free < total:
                expect = "ECNY_InsufficientFree"
        r = self.send(caller, self.wages, "fundPayroll", [self.addr[w] for w in workers], wages, payday,
                      expect=expect)
        if expect is not None:
            return None
        pid = len(m.payrolls) + 1
        p = MPayroll(pid, payday, dict(zip(workers, wages)))
        m.payrolls.append(p)
        m.wallets[MAIN].free -= total
        self.check("payrolls_match_the_model", r.return_value == pid, f"fundPayroll returned {r.return_value}")
        self.check_events(r, [("WageAssigned", {"payrollId": pid, "worker": self.addr[w], "amountFen": a})
                              for w, a in zip(workers, wages)]
                          + [("PayrollFunded", {"payrollId": pid, "workers": len(workers), "totalFen": total,
                                                "payday": payday})])
        return pid

    def can_receive(self, worker: str, amount: int) -> bool:
        """ECNY.canReceive: the wallet is open and its tier's cap holds afterwards (workers hold no earmarks)."""
        if not self.m.is_open(worker):
            return False
        cap = TIERS[WALLETS[worker][0]].balance_cap_fen
        return cap == 0 or self.m.wallets[worker].free + amount <= cap

    def do_pay(self, caller: str, pid: int, workers: list[str]) -> None:
        """payWages: refused only for an unknown pay run, or before payday unless the subcontractor pays; each
        listed worker is then paid, or skipped with its reason (not on the pay run, already paid or returned
        or listed twice, its wallet closed or at its cap) while the others are paid."""
        m, now = self.m, self.now
        p = m.payroll(pid)
        expect = None
        if p is None:
            expect = "Wage_UnknownPayroll"
        elif caller != SUB and now < p.payday:
            expect = "Wage_NotYetPayday"
        plan: list[tuple[str, int]] = []  # (worker, skip reason, or PAID)
        if expect is None:
            done = set()
            for w in workers:
                if w not in p.wages:
                    reason = NOT_ON_PAYROLL
                elif p.settled(w) or w in done:
                    reason = ALREADY_SETTLED
                elif not self.can_receive(w, p.wages[w]):
                    reason = WALLET_CANNOT_RECEIVE
                else:
                    reason = PAID
                    done.add(w)
                plan.append((w, reason))
        r = self.send(caller, self.wages, "payWages", pid, [self.addr[w] for w in workers], expect=expect)
        if expect is not None:
            return
        events = []
        for w, reason in plan:
            if reason != PAID:
                events.append(("WageSkipped", {"payrollId": pid, "worker": self.addr[w], "reason": reason}))
                continue
            p.paid[w] = caller
            m.wallets[w].free += p.wages[w]
            events.append(("WagePaid", {"payrollId": pid, "worker": self.addr[w], "amountFen": p.wages[w],
                                        "paidBy": self.addr[caller]}))
        self.check_events(r, events)

    def do_return(self, caller: str, pid: int, worker: str) -> None:
        m = self.m
        p = m.payroll(pid)
        if caller != MAIN:
            expect = "Wage_NotMainContractor"
        elif p is None:
            expect = "Wage_UnknownPayroll"
        elif worker not in p.wages:
            expect = "Wage_NotOnPayroll"
        elif p.settled(worker):
            expect = "Wage_AlreadySettled"
        elif m.is_open(worker):
            expect = "Wage_WorkerWalletOpen"
        else:
            expect = None
        r = self.send(caller, self.wages, "returnWage", pid, self.addr[worker], expect=expect)
        if expect is None:
            p.returned.add(worker)
            m.wallets[MAIN].free += p.wages[worker]
            self.check_events(r, [("WageReturned", {"payrollId": pid, "worker": self.addr[worker],
                                                    "amountFen": p.wages[worker]})])

    def do_transfer(self, sender: str, to: str, amount: int) -> None:
        m = self.m
        w = m.wallets[sender]
        cap = TIERS[WALLETS[to][0]].balance_cap_fen if to in WALLETS else 0
        if not w.open or not m.is_open(to):
            expect = "ECNY_WalletNotOpen"
        elif cap and m.wallets[to].free + amount > cap:  # (the receivers here hold no earmarks)
            expect = "ECNY_BalanceCapExceeded"
        elif w.free < amount:
            expect = "ECNY_InsufficientFree"
        else:
            expect = None
        r = self.send(sender, self.token, "transfer", self.addr[to], amount, expect=expect)
        if expect is None:
            w.free -= amount
            w.own_out += amount
            m.wallets[to].free += amount
            m.wallets[to].own_in += amount
        elif expect == "ECNY_InsufficientFree":
            want = {"wallet": self.addr[sender], "freeFen": w.free, "neededFen": amount}
            self.check("subcontractor_free_money_never_changes_from_wages", r.error.args == want,
                       f"transfer refused with {r.error.args}, model {want}")

    # ================================================================ rules

    @initialize(crew=CREW, wages=st.lists(WAGE, min_size=5, max_size=5), payday=st.integers(0, 3 * DAY))
    def first_pay_run(self, crew, wages, payday):
        self.do_fund(MAIN, crew, wages[: len(crew)], self.now + payday)

    @rule(crew=CREW, wages=st.lists(WAGE, min_size=7, max_size=7), payday=PAYDAY, flaw=FLAW)
    def main_contractor_funds_a_pay_run(self, crew, wages, payday, flaw):
        """A pay run for one to five workers (the wallet-less one too), payday in the past, now or ahead;
        now and then with a flaw that gets it refused."""
        crew, wages, caller = list(crew), wages[: len(crew)], MAIN
        if flaw.startswith("bad:"):
            crew[-1] = {"bad:main": MAIN, "bad:sub": SUB, "bad:zero": ZERO}[flaw]
        elif flaw == "duplicate":
            crew.append(crew[0])
            wages.append(wages[0])
        elif flaw == "zero wage":
            wages[-1] = 0
        elif flaw == "mismatch":
            wages.append(1)
        elif flaw == "empty":
            crew, wages = [], []
        elif flaw == "too large":
            wages[-1] = MAX_U128  # the total passes 2^128 (or, alone, more than the main contractor has)
            if len(wages) == 1:
                crew.append(CRONY)
                wages.append(1)
        elif flaw == "too much":
            wages[-1] = self.m.wallets[MAIN].free + 1
        elif flaw in ("by sub", "by worker"):
            caller = SUB if flaw == "by sub" else "worker:1"
        elif flaw == "payday too late":
            payday = MAX_U64 + 1 - self.now  # (2^64 - 1 is still accepted)
        self.do_fund(caller, crew, wages, max(0, self.now + payday))

    @rule(crew=CREW, wages=st.lists(WAGE, min_size=5, max_size=5), days=st.integers(0, 10),
          early=st.integers(0, 5), late_payer=st.sampled_from([FOREMAN, "worker:1", CRONY, SUB]))
    def a_pay_run_from_funding_to_payday(self, crew, wages, days, early, late_payer):
        """A pay run is funded with payday some days ahead; the subcontractor pays the first `early` workers
        at once; someone else tries to pay the rest a second before payday (refused unless it is the
        subcontractor), pays them on payday, and tries the first worker again (already paid)."""
        pid = self.do_fund(MAIN, list(crew), wages[: len(crew)], self.now + days * DAY + HOUR)
        if pid is None:
            return
        p = self.m.payroll(pid)
        self.do_pay(SUB, pid, list(crew[:early]))
        rest = [w for w in crew if not p.settled(w)]
        if self.now < p.payday - 1:
            self.chain.set_time(p.payday - 1)
            self.do_pay(late_payer, pid, rest)
        rest = [w for w in crew if not p.settled(w)]
        if self.now < p.payday:
            self.chain.set_time(p.payday)
        self.do_pay(late_payer, pid, rest)
        self.do_pay(late_payer, pid, list(crew[:1]))

    @precondition(lambda self: self.m.payrolls)
    @rule(pick=PICK, caller=PAYER, part=st.lists(st.integers(0, 9), min_size=1, max_size=4), wait=st.booleans())
    def someone_pays_workers(self, pick, caller, part, wait):
        """The subcontractor (any time) or someone else (refused before payday; with `wait`, on payday) pays
        some of a pay run's workers (one already paid, or listed twice, now and then)."""
        pid = self.pick_payroll(pick)
        p = self.m.payroll(pid)
        if p is None:
            workers = [WORKERS[0]]
        else:
            listed = list(p.wages)
            unpaid = [w for w in listed if not p.settled(w)] or listed
            workers = [unpaid[i % len(unpaid)] if i < 8 else listed[i % len(listed)] for i in part]
            workers = list(dict.fromkeys(workers)) if pick % 8 else workers
            if wait and caller != SUB and self.now < p.payday:
                self.chain.set_time(p.payday)
        self.do_pay(caller, pid, workers)

    @precondition(lambda self: self.m.payrolls)
    @rule(pick=PICK, caller=PAYER, to=DIVERT_TO, position=st.integers(0, 3))
    def someone_tries_to_divert_wages(self, pick, caller, to, position):
        """Wages paid to someone not on the pay run, alone or among listed workers: skipped, never paid; the
        listed workers of the batch are paid."""
        pid = self.pick_payroll(pick)
        p = self.m.payroll(pid)
        unpaid = [w for w in p.wages if not p.settled(w)] if p else []
        if to in (p.wages if p else ()):
            to = CRONY
        workers = unpaid[:position] + [to] + unpaid[position:]
        self.do_pay(caller, pid, workers)

    @precondition(lambda self: self.m.payrolls)
    @rule(pick=PICK, delta=st.sampled_from([-1, 0, 0, 1]), caller=PAYER, everyone=st.booleans())
    def time_moves_to_a_payday(self, pick, delta, caller, everyone):
        """Time jumps onto a pay run's payday (or a second before or after) and someone pays its workers."""
        p = self.m.payroll(self.pick_payroll(pick))
        if p is None or not self.now <= p.payday + delta <= self.now + 30 * DAY:
            return
        self.chain.set_time(p.payday + delta)
        unpaid = [w for w in p.wages if not p.settled(w)]
        self.do_pay(caller, p.id, unpaid if everyone else unpaid[:1])

    @precondition(lambda self: self.m.payrolls)
    @rule(pick=PICK, which=st.integers(0, 7), close=st.sampled_from([False, False, True]),
          caller=st.sampled_from([MAIN, MAIN, MAIN, SUB]))
    def worker_leaves_and_wages_are_returned(self, pick, which, close, caller):
        """With `close`, a listed worker closes its wallet (cashing out any wages it got); the main
        contractor (or the subcontractor: refused) takes back a listed worker's wage in a pay run: refused
        while its wallet is open, once paid or returned, or (`which` 7) for someone not listed."""
        pid = self.pick_payroll(pick)
        p = self.m.payroll(pid)
        listed = list(p.wages) if p else list(LISTABLE)
        if p is not None and which < 6:  # mostly a worker whose wage is still due
            listed = [x for x in listed if not p.settled(x)] or listed
        worker = CRONY if which == 7 else listed[which % len(listed)]
        w = self.m.wallets.get(worker)
        if close and w is not None and w.open:
            r = self.send(worker, self.token, "closeWallet", worker, expect=None)
            closed = [e.args for e in r.events if e.name == "WalletClosed"]
            self.check("money_is_conserved", closed == [{"wallet": self.addr[worker], "redeemedFen": w.free}],
                       f"WalletClosed {closed}, model redeems {w.free}")
            w.redeemed += w.free
            w.free = 0
            w.open = False
        self.do_return(caller, pid, worker)

    @rule(to=st.sampled_from([CRONY, "worker:2", MAIN]), amount=st.integers(1, 100_000),
          what=st.sampled_from(["own money", "own money", "wages too", "close", "main closes"]))
    def subcontractor_uses_its_wallet(self, to, amount, what):
        """The subcontractor transfers its own money; or tries to transfer more than it has free (the wages
        in its wallet cannot be spent this way); or tries to close its wallet (refused while it holds wages),
        as does the main contractor (refused while a wage may still return to it)."""
        if what in ("close", "main closes"):
            if self.m.pending:
                who = SUB if what == "close" else MAIN
                error = "Wage_WagesPending" if who == SUB else "Wage_MainContractorWalletNeeded"
                r = self.send(who, self.token, "closeWallet", who, expect=error)
                want = {"subcontractor": self.addr[SUB], "amountFen": self.m.pending} if who == SUB else \
                    {"mainContractor": self.addr[MAIN], "pendingFen": self.m.pending}
                self.check("pending_wages_equal_the_earmark", r.error.args == want, f"{r.error} != {want}")
            return
        if what == "wages too":
            amount = self.m.wallets[SUB].free + max(1, min(amount, self.m.pending))
        self.do_transfer(SUB, to, amount)

    @rule(worker=st.sampled_from(WORKERS[:3]), what=st.sampled_from(["top up", "top up", "cash out"]),
          room=st.sampled_from([0, 1, 20_000, 60_000]))
    def a_workers_wallet_fills_up_or_is_cashed_out(self, worker, what, room):
        """A lowest-tier worker's bank tops its wallet up to `room` fen below the ¥10,000 cap (a wage larger
        than the room is then skipped until there is room), or cashes it out (room again)."""
        w = self.m.wallets[worker]
        if not w.open:
            return
        if what == "cash out":
            if w.free:
                self.send(BANK, self.token, "redeem", worker, w.free, expect=None)
                w.redeemed += w.free
                w.free = 0
            return
        amount = LOWEST_CAP - room - w.free
        if amount > 0:
            self.send(BANK, self.token, "issue", worker, amount, expect=None)
            w.free += amount
            w.own_in += amount
            self.m.issued += amount

    @rule(seconds=st.one_of(st.integers(1, 6 * HOUR), st.integers(6 * HOUR, 4 * DAY)))
    def time_passes(self, seconds):
        self.chain.advance(seconds)

    # ================================================================ invariants

    def views(self) -> dict:
        """The chain's balances, read again only after a transaction succeeded (a reverted one changes
        nothing: reading them once per state keeps an example fast)."""
        if self._cache is None or self._cache[0] != self._changes:
            call, tok = self.chain.call, self.token
            self._cache = (self._changes, {
                "supply": call(tok, "totalSupply"),
                "balance": {w: call(tok, "balanceOf", w) for w in WALLET_NAMES},
                "sub_free": call(tok, "freeBalanceOf", SUB),
                "sub_earmark": call(tok, "earmarkedOf", SUB, self.wages),
                "earmarked_total": call(tok, "earmarkedTotalOf", self.wages),
                "pending": call(self.wages, "pendingWagesFen"),
            })
        return self._cache[1]

    @invariant()
    def invariant_each_worker_received_exactly_their_listed_wages(self):
        v = self.views()
        for w in WORKERS + (CRONY,):
            mw = self.m.wallets[w]
            got = v["balance"][w] + mw.redeemed - mw.own_in
            want = self.m.paid_to(w)
            self.check("each_worker_received_exactly_their_listed_wages", got == want,
                       f"{w} holds {v['balance'][w]} (+ {mw.redeemed} cashed out − {mw.own_in} own money "
                       f"received) = {got} fen of wages; its listed wages paid so far: {want}")

    @invariant()
    def invariant_pending_wages_equal_the_earmark(self):
        v = self.views()
        want = self.m.pending
        got = (v["pending"], v["earmarked_total"], v["sub_earmark"])
        self.check("pending_wages_equal_the_earmark", got == (want, want, want),
                   f"(pendingWagesFen, earmarkedTotalOf, subcontractor's earmark) {got} != unpaid listed wages {want}")

    @invariant()
    def invariant_subcontractor_free_money_never_changes_from_wages(self):
        v = self.views()
        w = self.m.wallets[SUB]
        want = w.start + w.own_in - w.own_out
        self.check("subcontractor_free_money_never_changes_from_wages", v["sub_free"] == want == w.free,
                   f"subcontractor's free money {v['sub_free']} != own {w.start} + in {w.own_in} − out {w.own_out}")
        self.check("subcontractor_free_money_never_changes_from_wages",
                   v["balance"][SUB] == v["sub_free"] + v["sub_earmark"],
                   f"subcontractor's balance {v['balance'][SUB]} != free + wages")

    @invariant()
    def invariant_money_is_conserved(self):
        v = self.views()
        m = self.m
        redeemed = sum(w.redeemed for w in m.wallets.values())
        total = sum(v["balance"].values())
        self.check("money_is_conserved", v["supply"] == total == m.issued - redeemed,
                   f"totalSupply {v['supply']}, sum of balances {total}, issued − redeemed {m.issued - redeemed}")
        w = m.wallets[MAIN]
        want = MAIN_FUNDS - m.funded + m.returned + w.own_in
        self.check("money_is_conserved", v["balance"][MAIN] == want == w.free,
                   f"main contractor holds {v['balance'][MAIN]}, model {want} "
                   f"(funded {m.funded}, returned {m.returned})")

    def teardown(self):
        """After each sequence: every pay run's and wage's views agree with the model."""
        if self.failed:
            return
        call, c = self.chain.call, self.wages
        self.check("payrolls_match_the_model", call(c, "payrollCount") == len(self.m.payrolls), "payrollCount")
        for p in self.m.payrolls:
            got = call(c, "payrollOf", p.id)
            want = {"payday": p.payday, "workers": len(p.wages), "workersPaid": len(p.paid),
                    "totalFen": sum(p.wages.values()), "paidFen": sum(p.wages[w] for w in p.paid),
                    "returnedFen": sum(p.wages[w] for w in p.returned)}
            self.check("payrolls_match_the_model", got == want, f"payrollOf({p.id}) {got} != {want}")
            for w in LISTABLE + (CRONY,):
                got = call(c, "wageOf", p.id, w)
                want = (p.wages.get(w, 0), p.settled(w))
                self.check("payrolls_match_the_model", tuple(got) == want, f"wageOf({p.id}, {w}) {got} != {want}")

"""Classroom narration: every step of a run told in one plain sentence a pupil can follow, in English or Chinese.

    narrator = Narrator(sim.chain.label, lang="zh", out=Console(), pause=True)
    sim.chain.on_transaction.append(narrator.on_transaction)     # or narrator.attach(sim)

Each mined transaction is one *step*. A step is told in one sentence, or in one sentence per money movement
when a batch moves money for many people (a refund batch names every parent and their amount). Refused
transactions say what was tried and why, in plain words decoded from the custom error. Set-up plumbing (wallet
tiers, controllers, allowances, wallets opened, shops registered) gets one short sentence, and runs of the
same kind are folded into the first; no sentence ever hides money moving.

Pausing: with ``pause=True`` the narrator waits for Enter between steps, but only when stdin and the output
are both a terminal; piped or redirected, it never waits. ``interactive=`` and ``stdin=`` override the
detection (tests).

Everything the narrator knows comes from the transactions it sees: which contract is which (from their
constructor arguments or their events), courses, orders and their parents, campaigns' terms, wallets'
tiers. Attached late, it still narrates, with a little less detail (an order number instead of a name).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, TextIO

from rich.console import Console
from rich.text import Text

from ..chain.clock import DAY, HOUR, to_beijing
from ..domain.conditional import RETURN_REASONS
from ..domain.money import fmt_fen
from ..run.reporter import Reporter
from ..domain.settings import WALLET_TIERS

__all__ = ["Narrator", "Step", "LANGUAGES", "English", "Chinese"]

MAX_UINT = 2**256 - 1
LANGUAGES = ("en", "zh")

#: Functions that only set things up: told briefly, never paused on, runs of one kind folded.
PLUMBING = frozenset({
    "constructor", "setTier", "setController", "setRegulator", "openWallet", "openWallets", "setWalletTier",
    "approveEarmark", "registerMerchants", "allowMerchants", "issue", "approveInstitution", "publishCourse",
    "setRules", "registerPayees",
})
#: Plumbing functions whose consecutive transactions are told once.
FOLDED = frozenset({"setTier"})

#: Shenzhen's districts, for naming a campaign's district from its merchants' or funder's names.
DISTRICTS = {
    "luohu": ("Luohu", "罗湖"), "futian": ("Futian", "福田"), "nanshan": ("Nanshan", "南山"),
    "baoan": ("Bao'an", "宝安"), "longgang": ("Longgang", "龙岗"), "yantian": ("Yantian", "盐田"),
    "longhua": ("Longhua", "龙华"), "pingshan": ("Pingshan", "坪山"), "guangming": ("Guangming", "光明"),
    "dapeng": ("Dapeng", "大鹏"),
}

#: Purpose codes of purpose-bound money (grant payees), as the scenarios use them: code -> (English, Chinese).
PURPOSES = {
    1: ("payroll", "工资"), 2: ("rent", "房租"), 3: ("suppliers", "供应商货款"), 4: ("equipment", "设备款"),
    5: ("entertainment", "招待费"),
}

#: Names that read as organisations ("its wallet"), not people ("their wallet").
ORGANISATIONS = ("school:", "merchant:", "government:", "bureau:", "institution:", "the ", "shop:", "firm:",
                 "department:", "agency:", "dealer:", "carmaker:", "maker:", "contractor:", "subcontractor:",
                 "supplier:", "company:", "office:", "landlord:", "payroll:", "developer:", "builder:",
                 "dept:", "fund:", "registry:", "verifier:", "rent:", "suppliers:", "bank:", "insurer:")

#: Contract kinds of the subsidy contracts (named by kind, with their label only when several share one).
NEW_KINDS = frozenset({"payees", "grants", "conditional", "wages"})

#: Why a conditional payment went back to its payer (SubsidyTypes.ReturnReason).

SKIP_REASONS = ("NotInCourse", "WrongInstitution", "NotActive", "Disputed", "NothingLeft", "CourseNotEnded",
                "TooManyHeld", "Repeated", "AheadOfTimetable", "SchoolWalletClosed", "WalletCannotReceive")
_TIER_NAME_BY_ID = {t.tier_id: name for name, t in WALLET_TIERS.items()}
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not locale-bound


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and bool(_ADDRESS.match(value))


# ==================================================================================================
# Phrasebooks: the same sentences in each language. Arguments arrive already formatted (names, money, times).
# ==================================================================================================


class English:
    lang = "en"

    # ------------------------------------------------------------------ formatting
    def money(self, fen: int) -> str:
        return fmt_fen(fen)

    def time(self, ts: int) -> str:
        d = to_beijing(ts)
        return f"{d.day} {_MONTHS[d.month - 1]} {d:%H:%M}"

    def until(self, ts: int) -> str:
        """A deadline: midnight reads as 24:00 of the day before ("18 Oct 24:00")."""
        d = to_beijing(ts)
        if (d.hour, d.minute, d.second) == (0, 0, 0):
            p = to_beijing(ts - 1)
            return f"{p.day} {_MONTHS[p.month - 1]} 24:00"
        return self.time(ts)

    def date(self, ts: int) -> str:
        d = to_beijing(ts)
        return f"{d.day} {_MONTHS[d.month - 1]}"

    def count(self, n: int, noun: str) -> str:
        plural = {"lesson": "lessons", "pupil": "pupils", "parent": "parents", "wallet": "wallets",
                  "shop": "shops", "order": "orders", "packet": "packets", "class hour": "class hours",
                  "day": "days", "hour": "hours", "firm": "firms", "worker": "workers", "payee": "payees",
                  "tranche": "tranches", "year": "years", "grant": "grants"}[noun]
        return f"{n:,} {noun if n == 1 else plural}"

    def names(self, names: Sequence[str]) -> str:
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def names_or(self, names: Sequence[str]) -> str:
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " or " + names[-1]

    def day(self, ts: int) -> str:
        """A day with its year, for things years apart (a grant's promise, an exclusion)."""
        d = to_beijing(ts)
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"

    def span(self, days: int) -> str:
        """A period in whole years when it is one ("15 years", leap days included), else in days."""
        years = round(days / 365.25)
        return self.count(years, "year") if years and 365 * years <= days <= 366 * years else self.count(days, "day")

    def purpose(self, code: Any) -> str:
        return PURPOSES[code][0] if code in PURPOSES else f"purpose {code}"

    def who(self, names: Sequence[str], noun: str) -> str:
        """Up to three names listed; more counted, first to last ("5 workers, worker:w01 to worker:w05")."""
        names = list(names)
        if len(names) <= 3:
            return self.names(names)
        return f"{self.count(len(names), noun)} ({names[0]} to {names[-1]})"

    def possessive(self, name: str) -> str:
        return name + ("'" if name.endswith("s") else "'s")

    ROLES = {"bank": "the bank", "regulator": "the regulator"}

    def role(self, name: str) -> str:
        """Bare role actors read as words ("the bank"); named actors keep their names."""
        return self.ROLES.get(name, name)

    def their(self, name: str) -> str:
        """"its" for an organisation (a school, a shop, a government, the bank), "their" for a person."""
        return "its" if name.startswith(ORGANISATIONS) else "their"

    def sentence(self, text: str) -> str:
        return text[0].upper() + text[1:] if text.startswith("the ") else text

    def contract(self, kind: str, label: str, bps: int | None, alone: bool = True) -> str:
        if kind in NEW_KINDS:
            base = {"payees": "the payee register", "grants": "the grant programme",
                    "conditional": "the conditional-payment contract", "wages": "the wage contract"}[kind]
            return base if alone else f"{base} {label}"
        base = {"token": "the e-CNY system", "registry": "the shop register", "escrow": "the escrow contract",
                "campaign": "the red-packet campaign"}.get(kind)
        if kind == "upfront":
            base = "the risk-deposit contract" if bps else "the pay-up-front contract"
        if base is None:
            return f"the contract {label}"
        default = {"token": "ECNY", "registry": "MerchantRegistry", "escrow": "escrow", "campaign": "campaign",
                   "upfront": "risk_deposit" if bps else "unsupervised"}[kind]
        return base if label == default else f"{base} {label}"

    def tier(self, name: str | None) -> str:
        return {"corporate": "business", "lowest": "lowest-tier", "class_iii": "class-III",
                "id_verified": "ID-verified"}.get(name or "", "")

    def where(self, district: str | None) -> str:
        return f"{district} shops" if district else "the campaign's shops"

    def a_wallet(self, tier: str) -> str:
        """"a lowest-tier wallet", "an ID-verified wallet"; "a wallet of this kind" when the tier is unknown."""
        if not tier:
            return "a wallet of this kind"
        return f"{'an' if tier[:1] in 'AEIOUaeiou' or tier.startswith('ID') else 'a'} {tier} wallet"

    # ------------------------------------------------------------------ e-CNY plumbing
    def deploy_token(self, regulator):
        if regulator == "the regulator":
            return "The bank starts the e-CNY system; the regulator may freeze wallets"
        return f"The bank starts the e-CNY system, with {regulator} as the regulator"

    def deploy_registry(self, registrar):
        return f"A register of shops is set up, kept by {registrar}"

    def deploy_campaign(self, funder, where, start, expiry):
        return f"A red-packet campaign paid for by {funder} is set up: packets can be spent at {where} from {start} until {expiry}"

    def deploy_other(self, actor, contract):
        return f"{actor} sets up {contract}"

    def rules(self, contract, charge, hours, days, window, initial):
        lead = f"{contract[0].upper()}{contract[1:]} starts with the regulator's caps" if initial \
            else f"The regulator changes the caps of {contract}"
        text = f"{lead}: at most {charge} per payment, {hours} and {days} per order"
        return text + (f", and {window} to dispute a lesson" if window else "")

    def tiers_set(self):
        return "The bank sets the limits of each kind of wallet: how much it may hold and pay"

    def controller_set(self, controller, enabled):
        return (f"The bank lets {controller} lock money inside people's wallets" if enabled
                else f"The bank stops {controller} locking any more money in wallets")

    def regulator_set(self, regulator):
        return f"{regulator} is now the regulator who may freeze wallets"

    def wallets_opened(self, names, tier, count):
        if count == 1:
            return f"The bank opens {self.a_wallet(tier) if tier else 'a wallet'} for {names[0]}"
        kind = f"{tier} " if tier else ""
        return f"The bank opens {count:,} {kind}wallets, for {names[0]} to {names[-1]}"

    def wallet_tier_changed(self, wallet, tier, per_payment):
        limit = f": it may now pay up to {per_payment} at once" if per_payment else ": it has no payment limit now"
        return f"The bank moves {self.possessive(wallet)} wallet to the {tier} kind{limit}"

    def wallet_closed(self, wallet, amount):
        t = self.their(wallet)
        return f"{wallet} closes {t} wallet, and the {amount} of {t} own money left in it goes to {t} bank account"

    def wallet_frozen(self, wallet):
        return f"The regulator freezes {self.possessive(wallet)} wallet: it can no longer pay or cash out"

    def wallet_unfrozen(self, wallet):
        return f"The regulator unfreezes {self.possessive(wallet)} wallet: it can pay again"

    def issued(self, wallet, amount):
        t = self.their(wallet)
        return f"{wallet} tops up {t} wallet with {amount} from {t} bank account"

    def redeemed(self, wallet, amount):
        t = self.their(wallet)
        return f"{wallet} cashes {amount} out of {t} wallet to {t} bank account"

    def transfer(self, frm, to, amount):
        return f"{frm} pays {amount} of {self.their(frm)} own money to {to}"

    def earmark_approval(self, wallet, controller, amount):
        if amount is None:
            return f"{wallet} allows {controller} to lock {self.their(wallet)} money when needed"
        return f"{wallet} allows {controller} to lock up to {amount} of {self.their(wallet)} money"

    def earmarked(self, wallet, controller, amount):
        return f"{amount} of {self.possessive(wallet)} money is locked in {self.their(wallet)} own wallet by {controller}"

    def earmark_released(self, wallet, payee, amount):
        return f"{amount} locked in {self.possessive(wallet)} wallet goes to {payee}"

    def earmarks_released(self, count, payee, amount):
        return f"{amount} locked in {self.count(count, 'wallet')} goes to {payee}"

    def earmark_returned(self, wallet, amount):
        return f"{amount} locked in {self.possessive(wallet)} wallet is unlocked: it is {self.their(wallet).replace('their', 'theirs')} to spend again"

    def earmark_moved(self, frm, to, amount):
        return f"{amount} locked in {self.possessive(frm)} wallet moves to {self.possessive(to)} wallet, still locked"

    def all_earmarks_ended(self, controller, to, amount):
        return f"{controller} ends every lock it holds: {amount} goes to {to}"

    # ------------------------------------------------------------------ prepaid tuition
    def institution_approved(self, inst, contract):
        return f"The regulator approves {inst} to take prepaid fees through {contract}"

    def institution_frozen(self, inst):
        return f"The regulator freezes {inst}: it can no longer receive anything"

    def closure_announced(self, inst, when):
        return f"{inst} announces it will close on {when}: no new pupils from now, and parents may leave with a refund"

    def course_published(self, inst, lessons, fee, start, end):
        return f"{inst} offers a course of {lessons} at {fee} each, from {start} to {end}"

    def enrol_locked(self, parent, fee, lessons, school):
        return f"{self.possessive(parent)} {fee} for {lessons} is locked in their own wallet; {school} cannot touch it yet"

    def enrol_upfront(self, parent, fee, lessons, school):
        return f"{parent} prepays {fee} for {lessons}, and all of it goes straight to {school}"

    def enrol_deposit(self, parent, fee, lessons, school, paid, deposit):
        return (f"{parent} prepays {fee} for {lessons}: {paid} goes straight to {school}, and {deposit} is locked "
                f"in the school's wallet as a deposit the school cannot touch")

    def enrol_mixed(self, parent, fee, lessons, school, paid, locked):
        return f"{parent} prepays {fee} for {lessons}: {paid} goes to {school} and {locked} stays locked in their own wallet"

    def lessons_recorded_held(self, lesson, pupils, school, fee, until):
        return (f"Lesson {lesson} is recorded for {pupils} at {school}: each {fee} stays locked in the parent's "
                f"wallet until {until}, in case a parent says it was not taught")

    def lessons_delivered(self, lesson, pupils, school):
        return f"Lesson {lesson} is taught to {pupils} at {school}; no money moves, because the school was paid in advance"

    def lessons_released(self, context, lesson, payee, total, each, count, parent):
        if lesson is None:
            lead = {"recorded": "A lesson is recorded", "earlier": "The time to dispute earlier lessons is over",
                    "matured": "The time to dispute these lessons is over", "other": "Lessons are paid for"}[context]
        else:
            lead = {"recorded": f"Lesson {lesson} is recorded", "earlier": f"The time to dispute lesson {lesson} is over",
                    "matured": f"The time to dispute lesson {lesson} is over", "other": f"Lesson {lesson} is paid for"}[context]
        if parent is not None:
            return f"{lead}: {total} goes from {self.possessive(parent)} locked money to {payee}"
        if each is not None:
            return f"{lead}: {each} goes from each of {self.count(count, 'parent')}' locked money to {payee}"
        return f"{lead}: {total} in all goes from {self.count(count, 'parent')}' locked money to {payee}"

    def skip_reason(self, reason):
        return {"NotInCourse": "not in this course", "WrongInstitution": "of another school",
                "NotActive": "no longer active", "Disputed": "disputed", "NothingLeft": "nothing left to pay",
                "CourseNotEnded": "the course has not ended", "TooManyHeld": "too many lessons already waiting",
                "Repeated": "listed twice in one batch", "AheadOfTimetable": "ahead of the timetable",
                "SchoolWalletClosed": "the school closed its wallet, so its fee goes back",
                "WalletCannotReceive": "the wallet cannot take the money now"}.get(reason, "cannot take it")

    def lessons_skipped(self, parents, count, reasons):
        who = (f"{self.names([self.possessive(p) for p in parents])} {'order is' if count == 1 else 'orders are'}"
               if parents else f"{self.count(count, 'order')} {'is' if count == 1 else 'are'}")
        return f"{who} passed over: {', '.join(reasons)}"

    def order_cancelled(self, parent, refund, lessons):
        return f"{parent} leaves the course and gets {refund} back at once for {lessons} not taught"

    def order_refunded_full(self, parent, refund):
        return f"{parent} gets {refund} back: every lesson not taught"

    def order_refunded_partial(self, parent, refund, owed, lost, source):
        frm = f" from {self.possessive(source)} deposit" if source else ""
        return f"{parent} gets {refund} back{frm}, of the {owed} owed for lessons not taught: {lost} is lost"

    def order_refunded_none(self, parent, refund, owed):
        return f"{parent} gets {refund} back: the {owed} paid for lessons not taught is lost"

    def order_refunded_nothing_owed(self, parent, refund):
        return f"{self.possessive(parent)} order is closed with {refund} back: nothing was owed"

    def deposit_locked(self, parent, inst, amount):
        return f"{amount} of {self.possessive(parent)} fee is locked in {self.possessive(inst)} wallet as a risk deposit"

    def deposit_released(self, inst, total, count):
        return f"The course is over: {total} of deposit for {self.count(count, 'order')} is unlocked for {inst}"

    def deposit_shared(self, parent, amount):
        return f"{parent} gets {amount} from the school's deposit"

    def lessons_disputed(self, parent, held, amount):
        what = "the lesson was" if held == 1 else f"{held} lessons were"
        return (f"{parent} says {what} not taught and disputes {'it' if held == 1 else 'them'}: the {amount} "
                f"stays locked in their wallet until the regulator decides")

    def dispute_resolved(self, parent, school, amount, to_school):
        if to_school:
            return f"The regulator finds the lesson was taught: the held {amount} goes from {self.possessive(parent)} wallet to {school}"
        return f"The regulator agrees with {parent}: the held {amount} is unlocked, theirs to spend again"

    # ------------------------------------------------------------------ red packets
    def campaign_funded(self, funder, budget):
        return f"{funder} locks {budget} in {self.their(funder)} own wallet to pay for the red packets"

    def merchants_allowed(self, funder, count):
        return f"{funder} names {self.count(count, 'shop')} more where packets may be spent"

    def packet_claimed(self, winner, amount, where, expiry):
        until = f" until {expiry}" if expiry else ""
        return f"{winner} claims a {amount} red packet: it can only be spent at {where}{until}"

    def purchase_paid(self, buyer, merchant, total, packet, own, packet_fen, own_fen):
        if not own_fen:
            return f"{buyer} pays {total} at {merchant} with red-packet money"
        if not packet_fen:
            return f"{buyer} pays {total} of their own money at {merchant}"
        return f"{buyer} pays {total} at {merchant}: {packet} from the red packet and {own} of their own money"

    def purchase_refunded(self, merchant, buyer, total, own, to_packet, to_funder, funder):
        parts = []
        if own:
            parts.append(f"{own} of own money goes back to {buyer}")
        if to_packet:
            parts.append(f"{to_packet} goes back into {self.possessive(buyer)} red packet")
        if to_funder:
            parts.append(f"{to_funder} of packet money goes to {funder}, because the packets have expired")
        what = f"{self.possessive(buyer)} {total} purchase" if total else f"a purchase by {buyer}"
        return f"{merchant} refunds {what}: " + ("; ".join(parts) or "nothing moves")

    def packet_returned_on_close(self, wallet, amount, funder):
        return f"{self.possessive(wallet)} unused {amount} red packet goes back to {funder} at once"

    def campaign_swept(self, funder, swept, unclaimed, unspent, nothing=False):
        if nothing:
            return f"The packets have expired, and nothing is left to go back to {funder}"
        return f"The packets have expired: {swept} goes back to {funder} ({unclaimed} never claimed, {unspent} claimed but not spent)"

    def merchants_registered(self, registrar, count, where, first, last):
        place = f" in {where}" if where else ""
        names = first if count == 1 else f"{first} to {last}"
        return f"{registrar} registers {self.count(count, 'shop')}{place}: {names}"

    # ------------------------------------------------------------------ purpose-bound grants, conditional payments, wages
    def allowed_payees(self, allowed):
        return f"payees registered for {allowed}" if allowed else "registered payees of the allowed purposes"

    def deploy_payees(self, registrar):
        return f"A register of payees for grant money is set up, kept by {registrar}: each payee is registered for one purpose"

    def deploy_grants(self, department, agency, allowed, rate, promise, exclusion):
        text = (f"{department} sets up a grant programme, with {agency} checking the milestones: grant money may "
                f"only pay {self.allowed_payees(allowed)}; a firm promises to stay {promise}, or pays it all back")
        text += f" with {rate} yearly interest" if rate else ""
        return text + (f"; a firm caught cheating gets no new grant for {exclusion}" if exclusion else "")

    def deploy_conditional(self, actor, contract, window=None):
        text = (f"{actor} sets up {contract}: the payer's money is locked in the payer's own wallet and goes to "
                f"the payee only when the condition is confirmed")
        return text + (f"; in a dispute the verifier has {window} to decide, or the money goes back" if window else "")

    def deploy_wages(self, main, sub):
        return (f"A wage contract is set up for {main}, the main contractor, and {sub}, the subcontractor: wages "
                f"pass through {self.possessive(sub)} wallet but can only be paid to the workers listed")

    # -- payee register
    def payees_registered(self, registrar, names, purpose, count):
        if count > 3:
            return f"{registrar} registers {names} for {purpose}"
        return f"{registrar} registers {names} as {'a payee' if count == 1 else 'payees'} for {purpose}"

    def payee_removed(self, registrar, payee, purpose):
        return f"{registrar} takes {payee} off the payee register: it can no longer receive grant money for {purpose}"

    # -- grant programme
    def programme_funded(self, department, amount, programme):
        return f"{department} locks {amount} in {self.their(department)} own wallet as the budget of {programme}"

    def unpaid_withdrawn(self, department, amount):
        return f"{department} takes back {amount} of budget that no firm was promised: it is free money again"

    def firm_admitted(self, firm, size, tranches, programme):
        return f"{firm} is admitted to {programme}: a grant of {size} in {tranches}, each paid when a milestone is reached"

    def firms_admitted(self, firms, count, size, total, tranches, programme):
        each = f"{size} each" if size else f"{total} in all"
        return f"{firms} are admitted to {programme}: grants of {each}, in {tranches}, each paid when a milestone is reached"

    def tranche_paid(self, firm, milestone, amount, allowed):
        return (f"{firm} reaches milestone {milestone}: {amount} of grant money goes into its wallet, to be paid "
                f"only to {self.allowed_payees(allowed)}")

    def tranches_paid(self, firms, count, milestone, each, total, allowed):
        amount = f"{each} of grant money goes into each one's wallet, {total} in all" if each \
            else f"{total} of grant money in all goes into their wallets"
        return f"{firms} reach milestone {milestone}: {amount}, to be paid only to {self.allowed_payees(allowed)}"

    def tranche_withheld(self, firm, milestone, withheld, cancelled):
        text = (f"{firm} reaches milestone {milestone}, but it still owes the programme: {withheld} of the tranche "
                f"is kept against the debt instead of being paid")
        return text + (f", and {cancelled} of the grant is cancelled" if cancelled else "")

    def milestone_missed(self, firm, milestone, cancelled):
        return (f"{firm} misses milestone {milestone}: its grant ends and the {cancelled} still to come is cancelled; "
                f"grant money already paid stays bound to its purpose")

    def grant_spent(self, firm, payee, purpose, amount):
        return f"{firm} pays {amount} of grant money to {payee} for {purpose}"

    def grant_clawed_back(self, firm, when, fraud, owed, principal, interest, returned, outstanding, returned_fen,
                          outstanding_fen, credited=None):
        lead = f"{firm} was caught cheating" if fraud else f"{firm} moved away on {when}, breaking its promise to stay"
        text = f"{lead}, so it owes {owed} ({principal} of grant received plus {interest} interest"
        text += f", less {credited} already back from its closed wallet)" if credited else ")"
        if not returned_fen:
            return text + f"; no grant money was left unspent, so all {outstanding} is still owed"
        if not outstanding_fen:
            return text + f"; {returned} of unspent grant money goes back at once and covers it all"
        return text + f"; {returned} of unspent grant money goes back at once, {outstanding} is still owed"

    def firm_excluded(self, firm, until):
        return f"{firm} is barred from any new grant until {until}"

    def debt_repaid(self, firm, amount, outstanding, cleared):
        tail = "the debt is paid off" if cleared else f"{outstanding} is still owed"
        return f"{firm} pays back {amount} of {self.their(firm)} own money to the programme; {tail}"

    def grant_returned_on_close(self, firm, amount):
        return f"The {amount} of grant money left unspent in {self.possessive(firm)} wallet goes back to the programme"

    # -- conditional payments
    def payment_created(self, payer, payee, verifier, amount, deadline):
        return (f"{payer} locks {amount} in {self.their(payer)} own wallet for {payee}: it is paid when {verifier} "
                f"confirms the condition, and is unlocked again if nobody decides by {deadline}")

    def payment_disputed(self, payee, payer, verifier, amount, decide_by):
        what = f"the {amount}" if amount else "the money"
        text = (f"{payee} says the condition is met but {payer} will not confirm: {what} stays locked, and now "
                f"only {verifier} can decide")
        return text + (f", by {decide_by}, or it goes back to {payer}" if decide_by else "")

    def payment_released(self, payer, payee, amount, by, by_payer):
        if by_payer:
            return f"{payer} confirms: the {amount} locked in {self.their(payer)} wallet goes to {payee}"
        return f"{by} confirms the condition is met: the {amount} locked in {self.possessive(payer)} wallet goes to {payee}"

    def payment_returned(self, payer, payee, verifier, amount, reason, deadline):
        back = f"the {amount} locked for {payee} is unlocked in {self.possessive(payer)} wallet, free to spend again"
        if reason == "ConditionFailed":
            return f"{verifier} finds the condition is not met: {back}"
        if reason == "PayeeDeclined":
            return f"{payee} turns the payment down: {back}"
        if reason == "DeadlinePassed":
            return f"Nobody decided by {deadline}: {back}" if deadline else f"Nobody decided in time: {back}"
        return f"The payment goes back: {back}"

    # -- wages
    def payroll_funded(self, main, sub, workers, total, each, payday):
        share = f" ({each} each)" if each else ""
        return (f"{main} puts {total} of wages for {workers}{share} into {self.possessive(sub)} wallet, locked: "
                f"{sub} can pay it only to those workers, and from {payday} anyone may pay them")

    def wages_assigned(self, run, workers, total):
        return f"Pay run {run} lists {workers}, {total} of wages in all"

    def wages_paid(self, workers, sub, amount, each, by, one):
        if one:
            text = f"{workers} gets {amount} of wages from {self.possessive(sub)} wallet"
        elif each:
            text = f"{workers} get {each} of wages each from {self.possessive(sub)} wallet, {amount} in all"
        else:
            text = f"{workers} get their wages from {self.possessive(sub)} wallet, {amount} in all"
        return text + (f", paid out by {by} because payday has come" if by else "")

    def wage_returned(self, worker, amount, sub, main):
        return (f"{self.possessive(worker)} wallet is closed, so {self.their(worker)} {amount} of wages goes back "
                f"from {self.possessive(sub)} wallet to {main}")

    def wage_skipped(self, worker, reason):
        why = {1: "not on the pay run", 2: "already paid", 3: "a wallet that cannot take the money now"}
        return f"{worker} is passed over ({why.get(reason, 'cannot be paid')}); nobody else's pay waits"

    def milestone_skipped(self, grant, milestone, reason):
        why = {1: "there is no such grant", 2: "the grant is not running", 3: "that is not its next milestone",
               4: "the firm's wallet cannot take the tranche now"}
        return f"milestone {milestone} of grant {grant} is passed over: {why.get(reason, 'it cannot be settled')}"

    def surplus_deposit_released(self, inst, amount):
        return (f"the regulator releases {amount} of {self.possessive(inst)} deposit beyond what its parents are owed; "
                f"their shares stay reserved")

    # ------------------------------------------------------------------ anything else
    def unknown_event(self, contract, name):
        return f"{contract[0].upper()}{contract[1:]} reports {name}"

    def nothing_happened(self, actor, function, contract):
        return f"{actor} calls {function} on {contract}; nothing changes"

    # ------------------------------------------------------------------ refusals
    def refused(self, attempt, reason):
        return f"{attempt}, but it is refused: {reason}"

    def attempt(self, key, a):
        return {
            "enrol": lambda: (f"{a['actor']} tries to prepay {a['fee']} for {a['lessons']} at {a['school']}"
                              if a.get("fee") else f"{a['actor']} tries to sign up for {a['lessons']}"),
            "cancel": lambda: f"{a['actor']} tries to leave the course",
            "record": lambda: f"{a['actor']} tries to record a lesson",
            "release": lambda: f"{a['actor']} tries to pay out lessons to the school",
            "refund_orders": lambda: f"{a['actor']} tries to refund the parents of {a['inst']}",
            "freeze": lambda: f"{a['actor']} tries to freeze {a['inst']}",
            "approve": lambda: f"{a['actor']} tries to approve {a['inst']}",
            "publish": lambda: f"{a['actor']} tries to offer a course",
            "announce": lambda: f"{a['actor']} tries to announce its closure",
            "dispute": lambda: f"{a['actor']} tries to dispute a lesson",
            "resolve": lambda: f"{a['actor']} tries to settle a dispute",
            "release_deposits": lambda: f"{a['actor']} tries to unlock a school's deposit",
            "claim": lambda: f"{a['actor']} tries to claim a {a['amount']} red packet",
            "pay": lambda: f"{a['actor']} tries to pay {a['amount']} at {a['merchant']} with the red packet",
            "refund": lambda: f"{a['actor']} tries to refund {a['amount']} of a purchase",
            "sweep": lambda: f"{a['actor']} tries to send the unspent packet money back",
            "fund": lambda: f"{a['actor']} tries to put {a['amount']} into the campaign",
            "transfer": lambda: f"{a['actor']} tries to send {a['amount']} to {a['to']}",
            "redeem": lambda: f"{a['wallet']} tries to cash {a['amount']} out to the bank",
            "issue": lambda: f"The bank tries to top up {self.possessive(a['wallet'])} wallet with {a['amount']}",
            "close_wallet": lambda: (f"{a['actor']} tries to close their wallet" if a["actor"] == a["wallet"]
                                     else f"{a['actor']} tries to close {self.possessive(a['wallet'])} wallet"),
            "freeze_wallet": lambda: f"{a['actor']} tries to freeze {self.possessive(a['wallet'])} wallet",
            "open_wallet": lambda: f"{a['actor']} tries to open a wallet",
            "approve_earmark": lambda: f"{a['actor']} tries to let {a['controller']} lock their money",
            "register": lambda: f"{a['actor']} tries to register shops",
            "deploy": lambda: f"{a['actor']} tries to set up {a['contract']}",
            # grants, conditional payments, wages
            "register_payees": lambda: f"{a['actor']} tries to register payees",
            "remove_payee": lambda: f"{a['actor']} tries to take {a['payee']} off the payee register",
            "grant_fund": lambda: f"{a['actor']} tries to put {a['amount']} into the grant programme",
            "withdraw_unpaid": lambda: f"{a['actor']} tries to take back {a['amount']} of the programme's budget",
            "admit": lambda: f"{a['actor']} tries to admit {a['firms']} to the grant programme",
            "attest": lambda: f"{a['actor']} tries to confirm milestone {a['milestone']} for {a['firms']}",
            "missed": lambda: f"{a['actor']} tries to record that {a['firm']} missed milestone {a['milestone']}",
            "breach": lambda: f"{a['actor']} tries to claw back {self.possessive(a['firm'])} grant",
            "spend": lambda: f"{a['actor']} tries to pay {a['amount']} of grant money to {a['payee']}",
            "repay": lambda: f"{a['actor']} tries to pay back {a['amount']} to the grant programme",
            "cond_create": lambda: f"{a['actor']} tries to lock {a['amount']} for {a['payee']}",
            "cond_confirm": lambda: (f"{a['actor']} tries to release {self.possessive(a['payer'])} {a['amount']} to itself"
                                     if a["actor"] == a["payee"] else
                                     f"{a['actor']} tries to release {self.possessive(a['payer'])} {a['amount']} to {a['payee']}"),
            "cond_reject": lambda: f"{a['actor']} tries to send the {a['amount']} locked for {a['payee']} back to {a['payer']}",
            "cond_dispute": lambda: f"{a['actor']} tries to dispute {self.possessive(a['payer'])} {a['amount']} payment",
            "cond_reclaim": lambda: f"{a['actor']} tries to unlock {self.possessive(a['payer'])} {a['amount']} because nobody decided in time",
            "fund_payroll": lambda: f"{a['actor']} tries to put {a['amount']} of wages for {a['workers']} into {self.possessive(a['sub'])} wallet",
            "pay_wages": lambda: f"{a['actor']} tries to pay the wages of {a['workers']}",
            "return_wage": lambda: f"{a['actor']} tries to take back {self.possessive(a['worker'])} wage",
        }.get(key, lambda: f"{a['actor']} tries to use {a['contract']} ({a['function']})")()

    def reason(self, name, a):
        r = {
            # e-CNY
            "ECNY_NotIssuer": lambda: "only the bank may do that",
            "ECNY_NotRegulator": lambda: "only the regulator may do that",
            "ECNY_NotController": lambda: f"{a['caller']} is not allowed to lock money in wallets",
            "ECNY_ZeroAddress": lambda: "no wallet was named",
            "ECNY_ZeroAmount": lambda: "the amount is zero",
            "ECNY_LengthMismatch": lambda: "the list of wallets and the list of amounts do not match",
            "ECNY_WalletExists": lambda: f"{a['wallet']} already has a wallet",
            "ECNY_WalletNotOpen": lambda: f"{a['wallet']} has no open wallet",
            "ECNY_WalletFrozen": lambda: f"{self.possessive(a['wallet'])} wallet is frozen",
            "ECNY_WalletNotFrozen": lambda: f"{self.possessive(a['wallet'])} wallet is not frozen",
            "ECNY_NotWalletOwnerOrIssuer": lambda: f"only its owner or the bank may close {self.possessive(a['wallet'])} wallet",
            "ECNY_WalletHasEarmarks": lambda: f"{a['amountFen']} in {self.possessive(a['wallet'])} wallet is still locked by {a['controller']}",
            "ECNY_InsufficientFree": lambda: (f"{a['wallet']} has only {a['freeFen']} of free money and this needs "
                                              f"{a['neededFen']}; locked money cannot be moved by its owner"),
            "ECNY_InsufficientEarmark": lambda: f"only {a['earmarkedFen']} of {self.possessive(a['wallet'])} money is locked for {a['controller']}, and this needs {a['neededFen']}",
            "ECNY_InsufficientAllowance": lambda: f"{a['wallet']} allowed {a['controller']} to lock only {a['allowanceFen']}, and this needs {a['neededFen']}",
            "ECNY_PerPaymentLimitExceeded": lambda: f"{self.a_wallet(a['tier'])} may pay at most {a['limitFen']} at once",
            "ECNY_DailyLimitExceeded": lambda: f"{self.a_wallet(a['tier'])} may pay at most {a['limitFen']} a day, and {a['wallet']} has paid {a['spentTodayFen']} today",
            "ECNY_BalanceCapExceeded": lambda: f"{self.a_wallet(a['tier'])} may hold at most {a['capFen']}, and {a['wallet']} would hold {a['balanceAfterFen']}",
            "ECNY_TooManyControllers": lambda: f"{self.possessive(a['wallet'])} wallet already has money locked by too many contracts",
            "ECNY_AmountTooLarge": lambda: f"{a['amountFen']} is more than the most allowed, {a['maxFen']}",
            # prepaid tuition
            "Prepaid_NotRegulator": lambda: "only the regulator may do that",
            "Prepaid_NotToken": lambda: "only the e-CNY system may do that",
            "Prepaid_NotApprovedInstitution": lambda: f"{a['caller']} is not a school the regulator has approved",
            "Prepaid_NotCourseInstitution": lambda: f"{a['caller']} does not run that course",
            "Prepaid_NotOrderParent": lambda: f"the order belongs to another parent, not {a['caller']}",
            "Prepaid_AlreadyApproved": lambda: f"{a['institution']} is already approved",
            "Prepaid_AlreadyFrozen": lambda: f"{a['institution']} is already frozen",
            "Prepaid_UnknownCourse": lambda: f"there is no course number {a['courseId']}",
            "Prepaid_UnknownOrder": lambda: f"there is no order number {a['orderId']}",
            "Prepaid_InvalidRules": lambda: "every cap must be more than zero",
            "Prepaid_InvalidCourse": lambda: "a course needs a fee, lessons, class hours, and an end after its start",
            "Prepaid_InvalidLessonCount": lambda: f"the course has {a['courseLessons']} lessons, so {a['requested']} cannot be bought",
            "Prepaid_ClassHoursCapExceeded": lambda: f"one order may cover at most {a['capHours']} class hours, and this one has {a['classHours']}",
            "Prepaid_OrderSpanTooLong": lambda: f"one order may cover at most {a['capSeconds']} days (about three months), and this one runs {a['spanSeconds']} days",
            "Prepaid_ChargeCapExceeded": lambda: f"a school may charge at most {a['capFen']} at once, and this is {a['chargeFen']}",
            "Prepaid_ChargeTooEarly": lambda: f"fees may be taken only from {a['earliestChargeAt']}, {a['lead']} before the course starts on {a['courseStart']}",
            "Prepaid_RenewalTooEarly": lambda: f"a parent may pay for more only when {a['maxHoursLeft']} class hours or fewer are left, and {a['classHoursLeft']} are left",
            "Prepaid_CourseEnded": lambda: f"the course ended on {a['end']}",
            "Prepaid_InstitutionFrozen": lambda: f"the regulator has frozen {a['institution']}",
            "Prepaid_InstitutionClosing": lambda: f"{a['institution']} is closing on {a['closesAt']} and takes no new pupils",
            "Prepaid_InstitutionClosed": lambda: f"{a['institution']} has closed, so it can no longer record lessons or take pupils",
            "Prepaid_ClosureAlreadyAnnounced": lambda: f"{a['institution']} has already announced it will close on {a['closesAt']}",
            "Prepaid_OrderNotActive": lambda: "the order is already finished, cancelled or refunded",
            "Prepaid_NothingToRefund": lambda: "nothing is left to refund on that order",
            "Prepaid_RefundsNotOpen": lambda: f"refunds open only once {a['institution']} is frozen or closed",
            "Prepaid_CourseNotStarted": lambda: f"course {a['courseId']} has not started yet: no lesson can be recorded before {a['start']}",
            "Prepaid_InstitutionCannotEnrol": lambda: f"{a['institution']} cannot enrol in its own course {a['courseId']}",
            "Prepaid_NotFrozen": lambda: f"{a['institution']} is not frozen",
            "Prepaid_NoSurplusDeposit": lambda: f"{a['institution']}'s deposit has nothing beyond what its parents are owed",
            "Prepaid_OrderStillActive": lambda: f"{a['wallet']} still holds active order {a['orderId']}: cancel it before closing the wallet",
            "Prepaid_NothingToDispute": lambda: "no lesson of that order is waiting to be paid",
            "Prepaid_DisputeWindowClosed": lambda: f"the time to dispute ended at {a['closedAt']}",
            "Prepaid_AlreadyDisputed": lambda: "that order is already disputed",
            "Prepaid_NotDisputed": lambda: "that order is not disputed",
            "Prepaid_InvalidDepositShare": lambda: f"a deposit of {a['depositBps']} of each fee is not possible",
            # red packets
            "Campaign_NotFunder": lambda: "only the campaign's funder may do that",
            "Campaign_NotToken": lambda: "only the e-CNY system may do that",
            "Campaign_InvalidTerms": lambda: "the campaign's dates or rules do not make sense",
            "Campaign_AlreadyFunded": lambda: "the campaign already has its money",
            "Campaign_NotStarted": lambda: f"packets can be used only from {a['start']}",
            "Campaign_Expired": lambda: f"the packets expired at {a['expiry']}",
            "Campaign_NotExpired": lambda: f"the packets are valid until {a['expiry']}, and unspent money goes back only after that",
            "Campaign_AlreadySwept": lambda: "the unspent money has already gone back",
            "Campaign_FunderWalletNeeded": lambda: "the funder's wallet must stay open until the unspent money is swept back",
            "Campaign_WalletFrozen": lambda: "the regulator has frozen this wallet, packet money included",
            "Campaign_NotAWinner": lambda: f"{a['caller']} did not win a {a['amountFen']} packet in the lottery",
            "Campaign_AlreadyClaimed": lambda: f"packet {a['packetIndex']} has already been claimed",
            "Campaign_PacketLimitReached": lambda: f"one person may claim at most {a['maxPackets']} packet(s)",
            "Campaign_BudgetExhausted": lambda: f"only {a['unclaimedFen']} is left in the campaign",
            "Campaign_MerchantNotAllowed": lambda: f"packet money can only be spent at {a['where']}, and {a['merchant']} is not one of them",
            "Campaign_BelowMinimumSpend": lambda: f"packet money can pay only for purchases of at least {a['minSpendFen']}",
            "Campaign_ZeroAmount": lambda: "the amount is zero",
            "Campaign_AmountTooLarge": lambda: f"{a['amountFen']} is more than the most allowed, {a['maxFen']}",
            "Campaign_UnknownPurchase": lambda: f"there is no purchase number {a['purchaseId']}",
            "Campaign_NotPurchaseMerchant": lambda: "only the shop that made the sale may refund it",
            "Campaign_RefundExceedsPurchase": lambda: f"only {a['refundableFen']} of that purchase can still be refunded",
            # shop register
            "Registry_NotRegistrar": lambda: "only the commerce bureau may register shops",
            "Registry_ZeroAddress": lambda: "no shop was named",
            "Registry_ZeroCode": lambda: "a shop needs a district and a category",
            # payee register
            "Payees_NotRegistrar": lambda: f"only {a['registrar']} may change the payee register",
            "Payees_ZeroAddress": lambda: "no payee was named",
            "Payees_ZeroPurpose": lambda: "a payee must be registered for a purpose",
            "Payees_NotRegistered": lambda: f"{a['payee']} is not on the payee register",
            # grant programme
            "Grant_NotDepartment": lambda: "only the department that funds the programme may do that",
            "Grant_NotAgency": lambda: "only the agency that checks the milestones may do that",
            "Grant_NotFirm": lambda: f"the grant is {self.possessive(a['firm'])}, not {self.possessive(a['caller'])}",
            "Grant_NotToken": lambda: "only the e-CNY system may do that",
            "Grant_InvalidRules": lambda: "the programme's rules do not make sense (a promise of no time, or a department checking its own milestones)",
            "Grant_ZeroAddress": lambda: "a firm, the department or the agency is missing, or the department tries to give itself a grant",
            "Grant_ZeroAmount": lambda: "the amount is zero",
            "Grant_AmountTooLarge": lambda: f"{a['amountFen']} is more than the most allowed, {a['maxFen']}",
            "Grant_LengthMismatch": lambda: f"the list of firms ({a['firms']}) and the list of grants ({a['grants']}) do not match",
            "Grant_BadTranches": lambda: f"a grant needs 1 to {a['maxTranches']} tranches, and this one has {a['count']}",
            "Grant_BudgetExceeded": lambda: f"only {a['availableFen']} of the budget is not yet promised, and this needs {a['neededFen']}",
            "Grant_FirmHasActiveGrant": lambda: f"{a['firm']} already has a grant running",
            "Grant_FirmHasDebt": lambda: f"{a['firm']} still owes {a['outstandingFen']} from an earlier grant",
            "Grant_FirmUnderPromise": lambda: f"{a['firm']} is still bound by the promise of an earlier grant, until {a['promiseEnd']}",
            "Grant_InvalidFirm": lambda: f"{a['firm']} runs the programme, so it cannot get a grant from it",
            "Grant_AnotherGrantLive": lambda: f"the firm's grant {a['liveGrantId']} is still running or still owed, so it must be dealt with before grant {a['grantId']}",
            "Grant_FirmExcluded": lambda: f"{a['firm']} was caught cheating and may not get a grant until {a['until']}",
            "Grant_UnknownGrant": lambda: f"there is no grant number {a['grantId']}",
            "Grant_NotActive": lambda: f"grant {a['grantId']} is no longer running: it is finished, ended or clawed back",
            "Grant_WrongMilestone": lambda: f"the next milestone of grant {a['grantId']} is milestone {a['expected']}, not {a['given']}",
            "Grant_NothingReceived": lambda: f"grant {a['grantId']} has paid the firm nothing yet, so there is nothing to claw back",
            "Grant_AlreadyClawedBack": lambda: f"grant {a['grantId']} has already been clawed back",
            "Grant_BadBreachTime": lambda: f"{a['breachedAt']} is before the firm was admitted, or still to come",
            "Grant_PromiseKept": lambda: f"the firm's promise to stay ended on {a['promiseEnd']}, so leaving after that breaks nothing",
            "Grant_NoDebt": lambda: f"grant {a['grantId']} has no debt to pay back",
            "Grant_RepaymentExceedsDebt": lambda: f"only {a['outstandingFen']} is owed, and this pays back {a['amountFen']}",
            "Grant_PurposeNotAllowed": lambda: self.purpose_refused(a),
            "Grant_InsufficientGrantMoney": lambda: f"{a['firm']} has only {a['availableFen']} of grant money, and this is {a['amountFen']}",
            "Grant_WalletFrozen": lambda: f"{self.possessive(a['wallet'])} wallet is frozen, grant money included",
            "Grant_DepartmentWalletNeeded": lambda: f"{self.possessive(a['department'])} wallet holds the programme's budget, so it cannot close",
            # conditional payments
            "Conditional_NotToken": lambda: "only the e-CNY system may do that",
            "Conditional_ZeroAddress": lambda: "no payee or verifier was named",
            "Conditional_ZeroAmount": lambda: "the amount is zero",
            "Conditional_AmountTooLarge": lambda: f"{a['amountFen']} is more than the most allowed, {a['maxFen']}",
            "Conditional_InvalidParties": lambda: "the payee must be someone other than the payer and the verifier",
            "Conditional_DeadlineNotInFuture": lambda: f"the deadline, {a['deadline']}, is not in the future",
            "Conditional_UnknownPayment": lambda: f"there is no payment number {a['paymentId']}",
            "Conditional_NotPending": lambda: {
                "disputed": f"the payment is disputed, so only {a['verifier']} can decide it now",
                "released": "the money was already paid",
                "returned": "the money was already unlocked for the payer"}.get(
                a.get("state"), "the payment is no longer waiting: it was already paid, sent back or disputed"),
            "Conditional_NotAllowed": lambda: {
                "confirm": f"only {a['payer']} or {a['verifier']} may release the money",
                "reject": f"only {a['payee']} or {a['verifier']} may send the money back",
                "dispute": f"only {a['payee']} may dispute the payment"}.get(
                a.get("function"), f"{a['caller']} may not decide this payment"),
            "Conditional_DeadlinePassed": lambda: f"the time to decide ended at {a['deadline']}; now the money can only go back to the payer",
            "Conditional_DeadlineNotReached": lambda: (
                f"the payment is disputed, and {a['verifier']} has until {a['deadline']} to decide"
                if a.get("state") == "disputed" else f"the money can be unlocked only after the deadline, {a['deadline']}"),
            "Conditional_InvalidDisputeWindow": lambda: f"the verifier's time to decide a dispute must be more than nothing and at most ten years, not {a['disputeWindow']} days",
            "Conditional_WalletFrozen": lambda: f"{self.possessive(a['payer'])} wallet is frozen, so it cannot release the money itself",
            # wages
            "Wage_NotMainContractor": lambda: (f"only {a['main']}, the main contractor, may do that" if a.get("main_known")
                                               else "only the main contractor may do that"),
            "Wage_NotToken": lambda: "only the e-CNY system may do that",
            "Wage_ZeroAddress": lambda: "a contractor was not named",
            "Wage_InvalidParties": lambda: "the main contractor and the subcontractor must be different",
            "Wage_EmptyPayroll": lambda: "a pay run needs at least one worker",
            "Wage_LengthMismatch": lambda: f"the list of workers ({a['workers']}) and the list of wages ({a['wages']}) do not match",
            "Wage_BadWorker": lambda: f"{a['worker']} cannot be on the pay run: a worker must be named, and cannot be one of the contractors",
            "Wage_ZeroWage": lambda: f"{self.possessive(a['worker'])} wage is zero",
            "Wage_DuplicateWorker": lambda: f"{a['worker']} is on the list twice",
            "Wage_AmountTooLarge": lambda: f"{a['amountFen']} is more than the most allowed, {a['maxFen']}",
            "Wage_UnknownPayroll": lambda: f"there is no pay run number {a['payrollId']}",
            "Wage_NotYetPayday": lambda: f"before payday, {a['payday']}, only {a['sub']} may pay the wages",
            "Wage_NotOnPayroll": lambda: f"{a['worker']} is not on pay run {a['payrollId']}",
            "Wage_AlreadySettled": lambda: f"{self.possessive(a['worker'])} wage was already paid or sent back",
            "Wage_WorkerWalletOpen": lambda: f"{self.possessive(a['worker'])} wallet is still open: the wage must be paid, not taken back",
            "Wage_WagesPending": lambda: f"{self.possessive(a['subcontractor'])} wallet still holds {a['amountFen']} of workers' wages, so it cannot close",
            "Wage_PaydayTooLate": lambda: "that payday is too far in the future",
            "Wage_MainContractorWalletNeeded": lambda: f"{a['mainContractor']} funded {a['pendingFen']} of wages not yet paid, so its wallet cannot close",
            # failures that are not custom errors
            "Error": lambda: f"the contract says \"{a.get('message', '')}\"",
            "Panic": lambda: "the contract hit an internal error",
            "": lambda: "the contract gave no reason",
            "OutOfGas": lambda: "it ran out of gas, the computing budget of one transaction",
        }.get(name)
        return r() if r else None

    def purpose_refused(self, a):
        allowed = a.get("allowed")
        rule = (f"grant money can only pay payees registered for {allowed}" if allowed
                else "grant money can only pay registered payees of the allowed purposes")
        if a.get("self_payee"):
            return f"{rule}, and a firm cannot pay itself"
        if not a.get("purpose_code"):
            return f"{rule}, and {a['payee']} is not on the payee register"
        return f"{rule}, and {a['payee']} is registered for {a['purpose']}"

    def unknown_reason(self, name):
        return f"the contract refused it ({name})"


class Chinese(English):
    lang = "zh"

    def money(self, fen: int) -> str:
        return fmt_fen(fen).replace("¥", "") + "元"

    def time(self, ts: int) -> str:
        d = to_beijing(ts)
        return f"{d.month}月{d.day}日{d:%H:%M}"

    def until(self, ts: int) -> str:
        d = to_beijing(ts)
        if (d.hour, d.minute, d.second) == (0, 0, 0):
            p = to_beijing(ts - 1)
            return f"{p.month}月{p.day}日24:00"
        return self.time(ts)

    def date(self, ts: int) -> str:
        d = to_beijing(ts)
        return f"{d.month}月{d.day}日"

    def count(self, n: int, noun: str) -> str:
        unit = {"lesson": "节课", "pupil": "名学生", "parent": "位家长", "wallet": "个钱包", "shop": "家商户",
                "order": "笔订单", "packet": "个红包", "class hour": "课时", "day": "天", "hour": "小时",
                "firm": "家企业", "worker": "名工人", "payee": "个收款方", "tranche": "期", "year": "年",
                "grant": "笔资助"}[noun]
        return f"{n:,}{unit}"

    def names(self, names: Sequence[str]) -> str:
        return "、".join(names)

    def names_or(self, names: Sequence[str]) -> str:
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return "、".join(names[:-1]) + "或" + names[-1]

    def day(self, ts: int) -> str:
        d = to_beijing(ts)
        return f"{d.year}年{d.month}月{d.day}日"

    def purpose(self, code: Any) -> str:
        return PURPOSES[code][1] if code in PURPOSES else f"第{code}类用途"

    def who(self, names: Sequence[str], noun: str) -> str:
        names = list(names)
        if len(names) <= 3:
            return self.names(names)
        return f"{names[0]}到{names[-1]}等{self.count(len(names), noun)}"

    def possessive(self, name: str) -> str:
        return name + "的"

    def contract(self, kind: str, label: str, bps: int | None, alone: bool = True) -> str:
        if kind in NEW_KINDS:
            base = {"payees": "收款方登记册", "grants": "专项资金计划", "conditional": "条件支付合约",
                    "wages": "工资支付合约"}[kind]
            return base if alone else f"{base}{label}"
        base = {"token": "数字人民币系统", "registry": "商户登记册", "escrow": "托管合约",
                "campaign": "红包活动"}.get(kind)
        if kind == "upfront":
            base = "风险保证金合约" if bps else "预付全款合约"
        if base is None:
            return f"合约{label}"
        default = {"token": "ECNY", "registry": "MerchantRegistry", "escrow": "escrow", "campaign": "campaign",
                   "upfront": "risk_deposit" if bps else "unsupervised"}[kind]
        return base if label == default else f"{base}{label}"

    def tier(self, name: str | None) -> str:
        return {"corporate": "对公", "lowest": "最低等级", "class_iii": "三类",
                "id_verified": "实名认证"}.get(name or "", "")

    def where(self, district: str | None) -> str:
        return f"{district}的商户" if district else "活动指定的商户"

    ROLES = {"bank": "银行", "regulator": "监管部门"}

    def sentence(self, text: str) -> str:
        return text

    # ------------------------------------------------------------------ e-CNY plumbing
    def deploy_token(self, regulator):
        if regulator == "监管部门":
            return "银行启用数字人民币系统；监管部门可以冻结钱包。"
        return f"银行启用数字人民币系统，由{regulator}担任监管部门。"

    def deploy_registry(self, registrar):
        return f"商户登记册建立起来，由{registrar}管理。"

    def deploy_campaign(self, funder, where, start, expiry):
        return f"{funder}出资的红包活动设立：红包可在{where}使用，从{start}到{expiry}。"

    def deploy_other(self, actor, contract):
        return f"{actor}部署了{contract}。"

    def rules(self, contract, charge, hours, days, window, initial):
        lead = f"{contract}启用监管上限" if initial else f"监管部门调整{contract}的上限"
        text = f"{lead}：每次收费最多{charge}，每笔订单最多{hours}、{days}"
        return text + (f"，每节课有{window}可以提出异议。" if window else "。")

    def tiers_set(self):
        return "银行设定各类钱包的限额：最多能存多少、付多少。"

    def controller_set(self, controller, enabled):
        return f"银行允许{controller}锁定钱包里的钱。" if enabled else f"银行不再允许{controller}锁定钱包里的钱。"

    def regulator_set(self, regulator):
        return f"{regulator}现在是可以冻结钱包的监管部门。"

    def wallets_opened(self, names, tier, count):
        kind = f"{tier}" if tier else ""
        if count == 1:
            return f"银行为{names[0]}开通了一个{kind}钱包。"
        return f"银行开通了{count:,}个{kind}钱包，从{names[0]}到{names[-1]}。"

    def wallet_tier_changed(self, wallet, tier, per_payment):
        limit = f"：现在单笔最多可付{per_payment}" if per_payment else "：现在付款没有限额"
        return f"银行把{wallet}的钱包调整为{tier}钱包{limit}。"

    def wallet_closed(self, wallet, amount):
        return f"{wallet}注销了钱包，里面剩下的{amount}自有资金转回银行账户。"

    def wallet_frozen(self, wallet):
        return f"监管部门冻结了{wallet}的钱包：不能再付款或取现。"

    def wallet_unfrozen(self, wallet):
        return f"监管部门解冻了{wallet}的钱包：又可以付款了。"

    def issued(self, wallet, amount):
        return f"{wallet}从银行账户向钱包充值{amount}。"

    def redeemed(self, wallet, amount):
        return f"{wallet}把钱包里的{amount}取现到银行账户。"

    def transfer(self, frm, to, amount):
        return f"{frm}用自己的钱向{to}付了{amount}。"

    def earmark_approval(self, wallet, controller, amount):
        if amount is None:
            return f"{wallet}允许{controller}在需要时锁定自己的钱。"
        return f"{wallet}允许{controller}锁定自己最多{amount}。"

    def earmarked(self, wallet, controller, amount):
        return f"{wallet}钱包里的{amount}被{controller}锁定，钱还在自己的钱包里。"

    def earmark_released(self, wallet, payee, amount):
        return f"{wallet}钱包里锁定的{amount}转给{payee}。"

    def earmarks_released(self, count, payee, amount):
        return f"{self.count(count, 'wallet')}里锁定的{amount}转给{payee}。"

    def earmark_returned(self, wallet, amount):
        return f"{wallet}钱包里锁定的{amount}解锁了，又可以自由使用。"

    def earmark_moved(self, frm, to, amount):
        return f"{frm}钱包里锁定的{amount}转到{to}的钱包，仍然锁定。"

    def all_earmarks_ended(self, controller, to, amount):
        return f"{controller}解除它的全部锁定：{amount}转给{to}。"

    # ------------------------------------------------------------------ prepaid tuition
    def institution_approved(self, inst, contract):
        return f"监管部门批准{inst}通过{contract}收取预付学费。"

    def institution_frozen(self, inst):
        return f"监管部门冻结了{inst}：它再也收不到任何钱。"

    def closure_announced(self, inst, when):
        return f"{inst}宣布将于{when}关闭：从现在起不收新学生，家长可以退课拿回钱。"

    def course_published(self, inst, lessons, fee, start, end):
        return f"{inst}开设一门课程：共{lessons}，每节{fee}，从{start}到{end}。"

    def enrol_locked(self, parent, fee, lessons, school):
        return f"{parent}为{lessons}付的{fee}锁定在自己的钱包里，{school}暂时动不了。"

    def enrol_upfront(self, parent, fee, lessons, school):
        return f"{parent}预付{lessons}的{fee}，全部直接进了{school}的钱包。"

    def enrol_deposit(self, parent, fee, lessons, school, paid, deposit):
        return f"{parent}预付{lessons}的{fee}：{paid}直接进了{school}的钱包，{deposit}作为风险保证金锁定在学校钱包里，学校动不了。"

    def enrol_mixed(self, parent, fee, lessons, school, paid, locked):
        return f"{parent}预付{lessons}的{fee}：{paid}转给{school}，{locked}仍锁定在自己的钱包里。"

    def lessons_recorded_held(self, lesson, pupils, school, fee, until):
        return f"{school}为{pupils}记录了第{lesson}课：每人的{fee}继续锁定在家长钱包里，直到{until}，以防家长说课没上。"

    def lessons_delivered(self, lesson, pupils, school):
        return f"{school}给{pupils}上了第{lesson}课；学校早已收了钱，这次没有钱流动。"

    def lessons_released(self, context, lesson, payee, total, each, count, parent):
        if lesson is None:
            lead = {"recorded": "记录了一节课", "earlier": "之前几节课的异议期已过", "matured": "这几节课的异议期已过",
                    "other": "课时费结算"}[context]
        else:
            lead = {"recorded": f"第{lesson}课已记录", "earlier": f"第{lesson}课的异议期已过",
                    "matured": f"第{lesson}课的异议期已过", "other": f"第{lesson}课的课时费结算"}[context]
        if parent is not None:
            return f"{lead}：{parent}锁定的钱里有{total}转给{payee}。"
        if each is not None:
            return f"{lead}：{self.count(count, 'parent')}锁定的钱里各有{each}转给{payee}。"
        return f"{lead}：{self.count(count, 'parent')}锁定的钱里共有{total}转给{payee}。"

    def skip_reason(self, reason):
        return {"NotInCourse": "不在这门课里", "WrongInstitution": "属于别的学校", "NotActive": "订单已结束",
                "Disputed": "有异议待处理", "NothingLeft": "已经没有剩余课时", "CourseNotEnded": "课程还没结束",
                "TooManyHeld": "等待结算的课太多", "Repeated": "同一批次里重复出现",
                "AheadOfTimetable": "超出课表进度", "SchoolWalletClosed": "学校已注销钱包，课时费退回",
                "WalletCannotReceive": "钱包暂时无法收款"}.get(reason, "无法处理")

    def lessons_skipped(self, parents, count, reasons):
        who = f"{self.names(parents)}的订单" if parents else f"{self.count(count, 'order')}"
        return f"{who}被跳过：{'、'.join(reasons)}。"

    def order_cancelled(self, parent, refund, lessons):
        return f"{parent}退课，没上的{lessons}的{refund}马上退回。"

    def order_refunded_full(self, parent, refund):
        return f"{parent}拿回{refund}：没上的课全额退回。"

    def order_refunded_partial(self, parent, refund, owed, lost, source):
        frm = f"从{source}的保证金里" if source else ""
        return f"{parent}{frm}拿回{refund}，没上的课值{owed}，损失{lost}。"

    def order_refunded_none(self, parent, refund, owed):
        return f"{parent}拿回{refund}：没上的课的{owed}全部损失。"

    def order_refunded_nothing_owed(self, parent, refund):
        return f"{parent}的订单结清，拿回{refund}：没有欠款。"

    def deposit_locked(self, parent, inst, amount):
        return f"{parent}学费中的{amount}作为风险保证金锁定在{inst}的钱包里。"

    def deposit_released(self, inst, total, count):
        return f"课程结束：{self.count(count, 'order')}的保证金共{total}为{inst}解锁。"

    def deposit_shared(self, parent, amount):
        return f"{parent}从学校的保证金里分到{amount}。"

    def lessons_disputed(self, parent, held, amount):
        what = "这节课" if held == 1 else f"这{held}节课"
        return f"{parent}说{what}没上，提出异议：这{amount}继续锁定在自己的钱包里，等监管部门决定。"

    def dispute_resolved(self, parent, school, amount, to_school):
        if to_school:
            return f"监管部门认定课已经上了：{parent}钱包里被锁定的{amount}转给{school}。"
        return f"监管部门支持{parent}：被锁定的{amount}解锁，又可以自由使用。"

    # ------------------------------------------------------------------ red packets
    def campaign_funded(self, funder, budget):
        return f"{funder}在自己的钱包里锁定{budget}，用来发红包。"

    def merchants_allowed(self, funder, count):
        return f"{funder}另外指定了{self.count(count, 'shop')}可以收红包。"

    def packet_claimed(self, winner, amount, where, expiry):
        until = f"，截止{expiry}" if expiry else ""
        return f"{winner}领取了一个{amount}红包：只能在{where}使用{until}。"

    def purchase_paid(self, buyer, merchant, total, packet, own, packet_fen, own_fen):
        if not own_fen:
            return f"{buyer}在{merchant}用红包付了{total}。"
        if not packet_fen:
            return f"{buyer}在{merchant}用自己的钱付了{total}。"
        return f"{buyer}在{merchant}消费{total}：红包付{packet}，自己的钱付{own}。"

    def purchase_refunded(self, merchant, buyer, total, own, to_packet, to_funder, funder):
        parts = []
        if own:
            parts.append(f"{own}自有资金退还{buyer}")
        if to_packet:
            parts.append(f"{to_packet}退回{buyer}的红包")
        if to_funder:
            parts.append(f"红包已过期，{to_funder}红包资金退给{funder}")
        what = f"{buyer}的{total}消费" if total else f"{buyer}的一笔消费"
        return f"{merchant}为{what}退款：" + ("；".join(parts) or "没有钱流动") + "。"

    def packet_returned_on_close(self, wallet, amount, funder):
        return f"{wallet}没用完的{amount}红包马上退回{funder}。"

    def campaign_swept(self, funder, swept, unclaimed, unspent, nothing=False):
        if nothing:
            return f"红包已过期，没有剩下的钱需要退回{funder}。"
        return f"红包已过期：{swept}退回{funder}（{unclaimed}无人领取，{unspent}领了没花）。"

    def merchants_registered(self, registrar, count, where, first, last):
        place = f"{where}的" if where else ""
        names = first if count == 1 else f"{first}到{last}"
        return f"{registrar}登记了{place}{self.count(count, 'shop')}：{names}。"

    # ------------------------------------------------------------------ 专项资金、条件支付、工资
    def allowed_payees(self, allowed):
        return f"登记用途为{allowed}的收款方" if allowed else "符合规定用途的登记收款方"

    def deploy_payees(self, registrar):
        return f"专项资金收款方登记册建立起来，由{registrar}管理：每个收款方登记一种用途。"

    def deploy_grants(self, department, agency, allowed, rate, promise, exclusion):
        text = (f"{department}设立专项资金计划，由{agency}核验里程碑：专项资金只能付给{self.allowed_payees(allowed)}；"
                f"企业承诺留在本地{promise}，提前迁出须全部退还")
        text += f"，并按年利率{rate}付息" if rate else ""
        return text + (f"；弄虚作假的企业{exclusion}内不得再获资助。" if exclusion else "。")

    def deploy_conditional(self, actor, contract, window=None):
        text = f"{actor}部署{contract}：付款人的钱锁定在自己的钱包里，条件得到确认后才付给收款人"
        return text + (f"；有异议时核验方须在{window}内决定，否则钱退回付款人。" if window else "。")

    def deploy_wages(self, main, sub):
        return f"为总包方{main}和分包方{sub}设立工资支付合约：工资经过{sub}的钱包，但只能付给名单上的工人。"

    def payees_registered(self, registrar, names, purpose, count):
        if count > 3:
            return f"{registrar}登记了{self.count(count, 'payee')}，用途为{purpose}：{names}。"
        return f"{registrar}把{names}登记为{purpose}收款方。"

    def payee_removed(self, registrar, payee, purpose):
        return f"{registrar}把{payee}移出收款方登记册：它不能再收取用于{purpose}的专项资金。"

    def programme_funded(self, department, amount, programme):
        return f"{department}在自己的钱包里锁定{amount}，作为{programme}的预算。"

    def unpaid_withdrawn(self, department, amount):
        return f"{department}收回{amount}没有承诺给任何企业的预算，这笔钱又可以自由使用了。"

    def firm_admitted(self, firm, size, tranches, programme):
        return f"{firm}获准加入{programme}：资助{size}，分{tranches}拨付，每达成一个里程碑拨付一期。"

    def firms_admitted(self, firms, count, size, total, tranches, programme):
        each = f"每家资助{size}" if size else f"共资助{total}"
        return f"{firms}获准加入{programme}：{each}，分{tranches}拨付，每达成一个里程碑拨付一期。"

    def tranche_paid(self, firm, milestone, amount, allowed):
        return f"{firm}达成第{milestone}个里程碑：{amount}专项资金拨入企业钱包，只能付给{self.allowed_payees(allowed)}。"

    def tranches_paid(self, firms, count, milestone, each, total, allowed):
        amount = f"每家{each}专项资金拨入企业钱包，共{total}" if each else f"共{total}专项资金拨入各企业钱包"
        return f"{firms}达成第{milestone}个里程碑：{amount}，只能付给{self.allowed_payees(allowed)}。"

    def tranche_withheld(self, firm, milestone, withheld, cancelled):
        text = f"{firm}达成第{milestone}个里程碑，但它还欠专项资金的钱：这一期中的{withheld}被扣下抵债，不再拨付"
        return text + (f"，另有{cancelled}资助取消。" if cancelled else "。")

    def milestone_missed(self, firm, milestone, cancelled):
        return f"{firm}没有达成第{milestone}个里程碑：资助终止，尚未拨付的{cancelled}取消；已拨付的专项资金仍只能按规定用途使用。"

    def grant_spent(self, firm, payee, purpose, amount):
        return f"{firm}用专项资金向{payee}支付了{amount}{purpose}。"

    def grant_clawed_back(self, firm, when, fraud, owed, principal, interest, returned, outstanding, returned_fen,
                          outstanding_fen, credited=None):
        lead = f"{firm}被查出弄虚作假" if fraud else f"{firm}于{when}迁走，违背了留在本地的承诺"
        text = f"{lead}，须退还{owed}（已收到的资助{principal}加利息{interest}"
        text += f"，减去注销钱包时已退回的{credited}）" if credited else "）"
        if not returned_fen:
            return text + f"：专项资金已经花完，{outstanding}全部仍欠着。"
        if not outstanding_fen:
            return text + f"：未花完的专项资金{returned}立即退回，足以还清。"
        return text + f"：未花完的专项资金{returned}立即退回，仍欠{outstanding}。"

    def firm_excluded(self, firm, until):
        return f"{firm}在{until}之前不得再申请任何资助。"

    def debt_repaid(self, firm, amount, outstanding, cleared):
        tail = "欠款已全部还清" if cleared else f"仍欠{outstanding}"
        return f"{firm}用自有资金向专项资金归还{amount}，{tail}。"

    def grant_returned_on_close(self, firm, amount):
        return f"{firm}钱包里没花完的{amount}专项资金退回专项资金计划。"

    def payment_created(self, payer, payee, verifier, amount, deadline):
        return (f"{payer}在自己的钱包里为{payee}锁定{amount}：{verifier}确认条件达成后付给{payee}；"
                f"如果到{deadline}还没人决定，钱就解锁。")

    def payment_disputed(self, payee, payer, verifier, amount, decide_by):
        what = f"这{amount}" if amount else "这笔钱"
        text = f"{payee}说条件已经达成，但{payer}不肯确认：{what}继续锁定，现在只能由{verifier}决定"
        return text + (f"，须在{decide_by}前决定，否则钱退回{payer}。" if decide_by else "。")

    def payment_released(self, payer, payee, amount, by, by_payer):
        if by_payer:
            return f"{payer}确认：锁定在自己钱包里的{amount}转给{payee}。"
        return f"{by}确认条件已经达成：{payer}钱包里锁定的{amount}转给{payee}。"

    def payment_returned(self, payer, payee, verifier, amount, reason, deadline):
        back = f"{payer}钱包里为{payee}锁定的{amount}解锁，又可以自由使用"
        if reason == "ConditionFailed":
            return f"{verifier}认定条件没有达成：{back}。"
        if reason == "PayeeDeclined":
            return f"{payee}拒收这笔付款：{back}。"
        if reason == "DeadlinePassed":
            return f"到{deadline}还没人决定：{back}。" if deadline else f"到期还没人决定：{back}。"
        return f"这笔付款退回：{back}。"

    def payroll_funded(self, main, sub, workers, total, each, payday):
        share = f"（每人{each}）" if each else ""
        return (f"{main}把{workers}的工资共{total}{share}打入{sub}的钱包并锁定：{sub}只能把钱付给这些工人，"
                f"从{payday}起任何人都可以代为发放。")

    def wages_assigned(self, run, workers, total):
        return f"第{run}批工资名单列入{workers}，工资共{total}。"

    def wages_paid(self, workers, sub, amount, each, by, one):
        if one:
            text = f"{workers}从{sub}的钱包领到工资{amount}"
        elif each:
            text = f"{workers}从{sub}的钱包各领到工资{each}，共{amount}"
        else:
            text = f"{workers}从{sub}的钱包领到工资，共{amount}"
        return text + (f"；发薪日已到，由{by}代为发放。" if by else "。")

    def wage_returned(self, worker, amount, sub, main):
        return f"{worker}的钱包已注销，这{amount}工资从{sub}的钱包退回{main}。"

    def wage_skipped(self, worker, reason):
        why = {1: "不在这期工资名单上", 2: "已经领过工资", 3: "的钱包暂时无法收款"}
        return f"{worker}被跳过：{why.get(reason, '无法发放')}；其他人的工资照发。"

    def milestone_skipped(self, grant, milestone, reason):
        why = {1: "没有这项资助", 2: "资助不在执行中", 3: "这不是它的下一个里程碑", 4: "企业钱包暂时无法收款"}
        return f"第{grant}项资助的第{milestone}个里程碑被跳过：{why.get(reason, '无法结算')}。"

    def surplus_deposit_released(self, inst, amount):
        return f"监管部门释放{inst}保证金中超出应退家长部分的{amount}；家长的份额仍然保留。"

    # ------------------------------------------------------------------ anything else
    def unknown_event(self, contract, name):
        return f"{contract}记录了事件{name}。"

    def nothing_happened(self, actor, function, contract):
        return f"{actor}调用了{contract}的{function}，没有任何变化。"

    # ------------------------------------------------------------------ refusals
    def refused(self, attempt, reason):
        return f"{attempt}，但被拒绝了：{reason}。"

    def attempt(self, key, a):
        return {
            "enrol": lambda: (f"{a['actor']}想为{a['lessons']}向{a['school']}预付{a['fee']}"
                              if a.get("fee") else f"{a['actor']}想报名{a['lessons']}"),
            "cancel": lambda: f"{a['actor']}想退课",
            "record": lambda: f"{a['actor']}想记录一节课",
            "release": lambda: f"{a['actor']}想把课时费付给学校",
            "refund_orders": lambda: f"{a['actor']}想给{a['inst']}的家长退款",
            "freeze": lambda: f"{a['actor']}想冻结{a['inst']}",
            "approve": lambda: f"{a['actor']}想批准{a['inst']}",
            "publish": lambda: f"{a['actor']}想开设一门课程",
            "announce": lambda: f"{a['actor']}想宣布关闭",
            "dispute": lambda: f"{a['actor']}想对一节课提出异议",
            "resolve": lambda: f"{a['actor']}想处理一项异议",
            "release_deposits": lambda: f"{a['actor']}想解锁学校的保证金",
            "claim": lambda: f"{a['actor']}想领取一个{a['amount']}红包",
            "pay": lambda: f"{a['actor']}想在{a['merchant']}用红包付{a['amount']}",
            "refund": lambda: f"{a['actor']}想为一笔消费退款{a['amount']}",
            "sweep": lambda: f"{a['actor']}想把没花掉的红包钱收回",
            "fund": lambda: f"{a['actor']}想往红包活动里投入{a['amount']}",
            "transfer": lambda: f"{a['actor']}想把{a['amount']}转给{a['to']}",
            "redeem": lambda: f"{a['wallet']}想把{a['amount']}取现到银行",
            "issue": lambda: f"银行想给{a['wallet']}的钱包充值{a['amount']}",
            "close_wallet": lambda: (f"{a['actor']}想注销自己的钱包" if a["actor"] == a["wallet"]
                                     else f"{a['actor']}想注销{a['wallet']}的钱包"),
            "freeze_wallet": lambda: f"{a['actor']}想冻结{a['wallet']}的钱包",
            "open_wallet": lambda: f"{a['actor']}想开通钱包",
            "approve_earmark": lambda: f"{a['actor']}想允许{a['controller']}锁定自己的钱",
            "register": lambda: f"{a['actor']}想登记商户",
            "deploy": lambda: f"{a['actor']}想部署{a['contract']}",
            "register_payees": lambda: f"{a['actor']}想登记收款方",
            "remove_payee": lambda: f"{a['actor']}想把{a['payee']}移出收款方登记册",
            "grant_fund": lambda: f"{a['actor']}想往专项资金计划里投入{a['amount']}",
            "withdraw_unpaid": lambda: f"{a['actor']}想收回专项资金预算中的{a['amount']}",
            "admit": lambda: f"{a['actor']}想让{a['firms']}加入专项资金计划",
            "attest": lambda: f"{a['actor']}想确认{a['firms']}达成第{a['milestone']}个里程碑",
            "missed": lambda: f"{a['actor']}想记录{a['firm']}没有达成第{a['milestone']}个里程碑",
            "breach": lambda: f"{a['actor']}想追回{a['firm']}的资助",
            "spend": lambda: f"{a['actor']}想用专项资金向{a['payee']}支付{a['amount']}",
            "repay": lambda: f"{a['actor']}想向专项资金计划归还{a['amount']}",
            "cond_create": lambda: f"{a['actor']}想为{a['payee']}锁定{a['amount']}",
            "cond_confirm": lambda: (f"{a['actor']}想把{a['payer']}锁定的{a['amount']}放给自己" if a["actor"] == a["payee"]
                                     else f"{a['actor']}想把{a['payer']}锁定的{a['amount']}付给{a['payee']}"),
            "cond_reject": lambda: f"{a['actor']}想把为{a['payee']}锁定的{a['amount']}退回{a['payer']}",
            "cond_dispute": lambda: f"{a['actor']}想对{a['payer']}的{a['amount']}付款提出异议",
            "cond_reclaim": lambda: f"{a['actor']}想以无人按时决定为由解锁{a['payer']}的{a['amount']}",
            "fund_payroll": lambda: f"{a['actor']}想把{a['workers']}的工资共{a['amount']}打入{a['sub']}的钱包",
            "pay_wages": lambda: f"{a['actor']}想给{a['workers']}发工资",
            "return_wage": lambda: f"{a['actor']}想收回{a['worker']}的工资",
        }.get(key, lambda: f"{a['actor']}想使用{a['contract']}（{a['function']}）")()

    def reason(self, name, a):
        r = {
            "ECNY_NotIssuer": lambda: "只有银行才能这样做",
            "ECNY_NotRegulator": lambda: "只有监管部门才能这样做",
            "ECNY_NotController": lambda: f"{a['caller']}没有锁定钱包资金的权限",
            "ECNY_ZeroAddress": lambda: "没有指定钱包",
            "ECNY_ZeroAmount": lambda: "金额为零",
            "ECNY_LengthMismatch": lambda: "钱包名单和金额名单对不上",
            "ECNY_WalletExists": lambda: f"{a['wallet']}已经有钱包了",
            "ECNY_WalletNotOpen": lambda: f"{a['wallet']}没有开通的钱包",
            "ECNY_WalletFrozen": lambda: f"{a['wallet']}的钱包已被冻结",
            "ECNY_WalletNotFrozen": lambda: f"{a['wallet']}的钱包没有被冻结",
            "ECNY_NotWalletOwnerOrIssuer": lambda: f"只有钱包主人或银行才能注销{a['wallet']}的钱包",
            "ECNY_WalletHasEarmarks": lambda: f"{a['wallet']}的钱包里还有{a['amountFen']}被{a['controller']}锁定",
            "ECNY_InsufficientFree": lambda: f"{a['wallet']}只有{a['freeFen']}可以自由支配，这次需要{a['neededFen']}；被锁定的钱主人自己动不了",
            "ECNY_InsufficientEarmark": lambda: f"{a['wallet']}为{a['controller']}锁定的钱只有{a['earmarkedFen']}，这次需要{a['neededFen']}",
            "ECNY_InsufficientAllowance": lambda: f"{a['wallet']}只允许{a['controller']}锁定{a['allowanceFen']}，这次需要{a['neededFen']}",
            "ECNY_PerPaymentLimitExceeded": lambda: f"{a['tier'] or '这类'}钱包单笔最多只能付{a['limitFen']}",
            "ECNY_DailyLimitExceeded": lambda: f"{a['tier'] or '这类'}钱包每天最多只能付{a['limitFen']}，{a['wallet']}今天已经付了{a['spentTodayFen']}",
            "ECNY_BalanceCapExceeded": lambda: f"{a['tier'] or '这类'}钱包最多只能存{a['capFen']}，{a['wallet']}收款后会有{a['balanceAfterFen']}",
            "ECNY_TooManyControllers": lambda: f"{a['wallet']}的钱包里锁定资金的合约已经太多",
            "ECNY_AmountTooLarge": lambda: f"{a['amountFen']}超过了允许的最高金额{a['maxFen']}",
            "Prepaid_NotRegulator": lambda: "只有监管部门才能这样做",
            "Prepaid_NotToken": lambda: "只有数字人民币系统才能这样做",
            "Prepaid_NotApprovedInstitution": lambda: f"{a['caller']}不是监管部门批准的学校",
            "Prepaid_NotCourseInstitution": lambda: f"{a['caller']}不是这门课的开课学校",
            "Prepaid_NotOrderParent": lambda: f"这笔订单属于别的家长，不属于{a['caller']}",
            "Prepaid_AlreadyApproved": lambda: f"{a['institution']}已经获得批准",
            "Prepaid_AlreadyFrozen": lambda: f"{a['institution']}已经被冻结",
            "Prepaid_UnknownCourse": lambda: f"没有编号为{a['courseId']}的课程",
            "Prepaid_UnknownOrder": lambda: f"没有编号为{a['orderId']}的订单",
            "Prepaid_InvalidRules": lambda: "每项上限都必须大于零",
            "Prepaid_InvalidCourse": lambda: "课程必须有学费、课时和节数，结束时间要晚于开始时间",
            "Prepaid_InvalidLessonCount": lambda: f"这门课共有{a['courseLessons']}节，不能买{a['requested']}节",
            "Prepaid_ClassHoursCapExceeded": lambda: f"一笔订单最多{a['capHours']}课时，这笔有{a['classHours']}课时",
            "Prepaid_OrderSpanTooLong": lambda: f"一笔订单最长{a['capSeconds']}天（大约三个月），这笔长达{a['spanSeconds']}天",
            "Prepaid_ChargeCapExceeded": lambda: f"学校一次最多只能收{a['capFen']}，这次是{a['chargeFen']}",
            "Prepaid_ChargeTooEarly": lambda: f"最早只能在开课（{a['courseStart']}）前{a['lead']}收费，也就是{a['earliestChargeAt']}以后",
            "Prepaid_RenewalTooEarly": lambda: f"剩余课时不超过{a['maxHoursLeft']}时才能续费，现在还剩{a['classHoursLeft']}课时",
            "Prepaid_CourseEnded": lambda: f"课程已于{a['end']}结束",
            "Prepaid_InstitutionFrozen": lambda: f"监管部门已经冻结了{a['institution']}",
            "Prepaid_InstitutionClosing": lambda: f"{a['institution']}将于{a['closesAt']}关闭，不再招收新学生",
            "Prepaid_InstitutionClosed": lambda: f"{a['institution']}已经关闭，不能再记录课程或招收学生",
            "Prepaid_ClosureAlreadyAnnounced": lambda: f"{a['institution']}已经宣布将于{a['closesAt']}关闭",
            "Prepaid_OrderNotActive": lambda: "这笔订单已经结束、退课或退款",
            "Prepaid_NothingToRefund": lambda: "这笔订单已经没有可退的钱",
            "Prepaid_RefundsNotOpen": lambda: f"只有{a['institution']}被冻结或关闭后才能退款",
            "Prepaid_CourseNotStarted": lambda: f"课程{a['courseId']}还没开始，{a['start']}之前不能记录课时",
            "Prepaid_InstitutionCannotEnrol": lambda: f"{a['institution']}不能报名自己的课程{a['courseId']}",
            "Prepaid_NotFrozen": lambda: f"{a['institution']}没有被冻结",
            "Prepaid_NoSurplusDeposit": lambda: f"{a['institution']}的保证金没有超出应退家长的部分",
            "Prepaid_OrderStillActive": lambda: f"{a['wallet']}还有未结束的订单{a['orderId']}，请先退课再注销钱包",
            "Prepaid_NothingToDispute": lambda: "这笔订单没有等待结算的课",
            "Prepaid_DisputeWindowClosed": lambda: f"提出异议的时间已于{a['closedAt']}截止",
            "Prepaid_AlreadyDisputed": lambda: "这笔订单已经有异议在处理",
            "Prepaid_NotDisputed": lambda: "这笔订单没有异议",
            "Prepaid_InvalidDepositShare": lambda: f"保证金比例{a['depositBps']}不可能",
            "Campaign_NotFunder": lambda: "只有出资方才能这样做",
            "Campaign_NotToken": lambda: "只有数字人民币系统才能这样做",
            "Campaign_InvalidTerms": lambda: "活动的日期或规则不合理",
            "Campaign_AlreadyFunded": lambda: "活动已经注资",
            "Campaign_NotStarted": lambda: f"红包从{a['start']}起才能使用",
            "Campaign_Expired": lambda: f"红包已于{a['expiry']}过期",
            "Campaign_NotExpired": lambda: f"红包有效期到{a['expiry']}，之后没花的钱才能收回",
            "Campaign_AlreadySwept": lambda: "没花掉的钱已经收回了",
            "Campaign_FunderWalletNeeded": lambda: "红包资金收回之前，出资方的钱包不能注销",
            "Campaign_WalletFrozen": lambda: "这个钱包已被监管部门冻结，红包里的钱也不能用",
            "Campaign_NotAWinner": lambda: f"{a['caller']}没有抽中{a['amountFen']}红包",
            "Campaign_AlreadyClaimed": lambda: f"第{a['packetIndex']}号红包已经被领取了",
            "Campaign_PacketLimitReached": lambda: f"每人最多只能领{a['maxPackets']}个红包",
            "Campaign_BudgetExhausted": lambda: f"活动里只剩{a['unclaimedFen']}",
            "Campaign_MerchantNotAllowed": lambda: f"红包只能在{a['where']}使用，{a['merchant']}不在其中",
            "Campaign_BelowMinimumSpend": lambda: f"消费满{a['minSpendFen']}才能用红包",
            "Campaign_ZeroAmount": lambda: "金额为零",
            "Campaign_AmountTooLarge": lambda: f"{a['amountFen']}超过了允许的最高金额{a['maxFen']}",
            "Campaign_UnknownPurchase": lambda: f"没有编号为{a['purchaseId']}的消费",
            "Campaign_NotPurchaseMerchant": lambda: "只有卖出商品的商户才能退款",
            "Campaign_RefundExceedsPurchase": lambda: f"这笔消费最多还能退{a['refundableFen']}",
            "Registry_NotRegistrar": lambda: "只有商务局才能登记商户",
            "Registry_ZeroAddress": lambda: "没有指定商户",
            "Registry_ZeroCode": lambda: "商户必须有所属区和类别",
            "Payees_NotRegistrar": lambda: f"只有{a['registrar']}才能修改收款方登记册",
            "Payees_ZeroAddress": lambda: "没有指定收款方",
            "Payees_ZeroPurpose": lambda: "收款方必须登记一种用途",
            "Payees_NotRegistered": lambda: f"{a['payee']}不在收款方登记册上",
            "Grant_NotDepartment": lambda: "只有出资的主管部门才能这样做",
            "Grant_NotAgency": lambda: "只有负责核验里程碑的机构才能这样做",
            "Grant_NotFirm": lambda: f"这笔资助属于{a['firm']}，不属于{a['caller']}",
            "Grant_NotToken": lambda: "只有数字人民币系统才能这样做",
            "Grant_InvalidRules": lambda: "专项资金的规则不合理（承诺期为零，或主管部门自己核验里程碑）",
            "Grant_ZeroAddress": lambda: "缺少企业、主管部门或核验机构，或者主管部门想资助自己",
            "Grant_ZeroAmount": lambda: "金额为零",
            "Grant_AmountTooLarge": lambda: f"{a['amountFen']}超过了允许的最高金额{a['maxFen']}",
            "Grant_LengthMismatch": lambda: f"企业名单（{a['firms']}家）和资助名单（{a['grants']}笔）对不上",
            "Grant_BadTranches": lambda: f"一笔资助要分1到{a['maxTranches']}期，这笔分了{a['count']}期",
            "Grant_BudgetExceeded": lambda: f"预算中尚未承诺的只剩{a['availableFen']}，这次需要{a['neededFen']}",
            "Grant_FirmHasActiveGrant": lambda: f"{a['firm']}已经有一笔资助在进行中",
            "Grant_FirmHasDebt": lambda: f"{a['firm']}之前的资助还欠{a['outstandingFen']}",
            "Grant_FirmUnderPromise": lambda: f"{a['firm']}仍受上一笔资助的承诺约束，直到{a['promiseEnd']}",
            "Grant_InvalidFirm": lambda: f"{a['firm']}是专项资金的管理方，不能领取资助",
            "Grant_AnotherGrantLive": lambda: f"该企业的第{a['liveGrantId']}笔资助还在进行或尚有欠款，须先处理它，再处理第{a['grantId']}笔",
            "Grant_FirmExcluded": lambda: f"{a['firm']}曾弄虚作假，在{a['until']}之前不得获得资助",
            "Grant_UnknownGrant": lambda: f"没有编号为{a['grantId']}的资助",
            "Grant_NotActive": lambda: f"第{a['grantId']}笔资助已经不在进行中：已完成、已终止或已追回",
            "Grant_WrongMilestone": lambda: f"第{a['grantId']}笔资助的下一个里程碑是第{a['expected']}个，不是第{a['given']}个",
            "Grant_NothingReceived": lambda: f"第{a['grantId']}笔资助还没有拨付任何钱，没有可追回的",
            "Grant_AlreadyClawedBack": lambda: f"第{a['grantId']}笔资助已经追回过了",
            "Grant_BadBreachTime": lambda: f"{a['breachedAt']}早于企业获得资助的日期，或者还没到",
            "Grant_PromiseKept": lambda: f"企业留在本地的承诺已于{a['promiseEnd']}到期，之后迁走不算违约",
            "Grant_NoDebt": lambda: f"第{a['grantId']}笔资助没有欠款要还",
            "Grant_RepaymentExceedsDebt": lambda: f"只欠{a['outstandingFen']}，这次却要还{a['amountFen']}",
            "Grant_PurposeNotAllowed": lambda: self.purpose_refused(a),
            "Grant_InsufficientGrantMoney": lambda: f"{a['firm']}只有{a['availableFen']}专项资金，这次要付{a['amountFen']}",
            "Grant_WalletFrozen": lambda: f"{a['wallet']}的钱包已被冻结，专项资金也不能动",
            "Grant_DepartmentWalletNeeded": lambda: f"{a['department']}的钱包里存着专项资金的预算，不能注销",
            "Conditional_NotToken": lambda: "只有数字人民币系统才能这样做",
            "Conditional_ZeroAddress": lambda: "没有指定收款人或核验方",
            "Conditional_ZeroAmount": lambda: "金额为零",
            "Conditional_AmountTooLarge": lambda: f"{a['amountFen']}超过了允许的最高金额{a['maxFen']}",
            "Conditional_InvalidParties": lambda: "收款人不能是付款人或核验方本人",
            "Conditional_DeadlineNotInFuture": lambda: f"截止时间{a['deadline']}不在将来",
            "Conditional_UnknownPayment": lambda: f"没有编号为{a['paymentId']}的付款",
            "Conditional_NotPending": lambda: {
                "disputed": f"这笔付款有异议，现在只能由{a['verifier']}决定",
                "released": "这笔钱已经付出去了",
                "returned": "这笔钱已经解锁还给付款人了"}.get(
                a.get("state"), "这笔付款已经不在等待中：已付出、已退回或有异议"),
            "Conditional_NotAllowed": lambda: {
                "confirm": f"只有{a['payer']}或{a['verifier']}才能放款",
                "reject": f"只有{a['payee']}或{a['verifier']}才能把钱退回",
                "dispute": f"只有{a['payee']}才能提出异议"}.get(
                a.get("function"), f"{a['caller']}无权处理这笔付款"),
            "Conditional_DeadlinePassed": lambda: f"决定的期限已于{a['deadline']}截止，现在钱只能退回付款人",
            "Conditional_DeadlineNotReached": lambda: (
                f"这笔付款有异议，{a['verifier']}可以在{a['deadline']}之前作出决定" if a.get("state") == "disputed"
                else f"要到截止时间{a['deadline']}之后才能解锁"),
            "Conditional_InvalidDisputeWindow": lambda: f"核验方处理异议的期限必须大于零且不超过十年，不能是{a['disputeWindow']}天",
            "Conditional_WalletFrozen": lambda: f"{a['payer']}的钱包已被冻结，不能自己放款",
            "Wage_NotMainContractor": lambda: f"只有总包方{a['main'] if a.get('main_known') else ''}才能这样做",
            "Wage_NotToken": lambda: "只有数字人民币系统才能这样做",
            "Wage_ZeroAddress": lambda: "没有指定总包方或分包方",
            "Wage_InvalidParties": lambda: "总包方和分包方不能是同一家",
            "Wage_EmptyPayroll": lambda: "工资名单上至少要有一名工人",
            "Wage_LengthMismatch": lambda: f"工人名单（{a['workers']}人）和工资名单（{a['wages']}笔）对不上",
            "Wage_BadWorker": lambda: f"{a['worker']}不能列入工资名单：工人必须指明，且不能是总包方或分包方",
            "Wage_ZeroWage": lambda: f"{a['worker']}的工资为零",
            "Wage_DuplicateWorker": lambda: f"{a['worker']}在名单上出现了两次",
            "Wage_AmountTooLarge": lambda: f"{a['amountFen']}超过了允许的最高金额{a['maxFen']}",
            "Wage_UnknownPayroll": lambda: f"没有编号为{a['payrollId']}的工资批次",
            "Wage_NotYetPayday": lambda: f"发薪日（{a['payday']}）之前，只有{a['sub']}可以发工资",
            "Wage_NotOnPayroll": lambda: f"{a['worker']}不在第{a['payrollId']}批工资名单上",
            "Wage_AlreadySettled": lambda: f"{a['worker']}的工资已经发放或退回",
            "Wage_WorkerWalletOpen": lambda: f"{a['worker']}的钱包还开着：工资应当发给工人，不能收回",
            "Wage_WagesPending": lambda: f"{a['subcontractor']}的钱包里还有{a['amountFen']}工人工资，不能注销",
            "Wage_PaydayTooLate": lambda: "发薪日定得太远了",
            "Wage_MainContractorWalletNeeded": lambda: f"{a['mainContractor']}拨付的工资还有{a['pendingFen']}没有发放，它的钱包不能注销",
            "Error": lambda: f"合约说“{a.get('message', '')}”",
            "Panic": lambda: "合约内部出错",
            "": lambda: "合约没有说明原因",
            "OutOfGas": lambda: "燃料（一笔交易的计算额度）用完了",
        }.get(name)
        return r() if r else None

    def purpose_refused(self, a):
        allowed = a.get("allowed")
        rule = f"专项资金只能付给{self.allowed_payees(allowed)}"
        if a.get("self_payee"):
            return f"{rule}，企业不能付给自己"
        if not a.get("purpose_code"):
            return f"{rule}，而{a['payee']}不在收款方登记册上"
        return f"{rule}，而{a['payee']}登记的用途是{a['purpose']}"

    def unknown_reason(self, name):
        return f"合约拒绝了（{name}）"


PHRASEBOOKS: dict[str, type[English]] = {"en": English, "zh": Chinese}


# ==================================================================================================
# The narrator
# ==================================================================================================


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


@dataclass
class _Course:
    institution: str  # address
    fee: int
    lessons: int


@dataclass
class _Order:
    parent: str  # address
    course_id: int | None


@dataclass
class _Contract:
    kind: str = "unknown"  # token | registry | escrow | upfront | campaign | unknown
    bps: int | None = None
    terms: dict | None = None
    funder: str | None = None
    registrar: str | None = None
    courses: dict[int, _Course] = field(default_factory=dict)
    orders: dict[int, _Order] = field(default_factory=dict)
    purchases: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # id -> (buyer, merchant, total)
    agency: str | None = None  # grants: who checks milestones
    main: str | None = None  # wages: the main contractor
    sub: str | None = None  # wages: the subcontractor
    payments: dict[int, _Payment] = field(default_factory=dict)  # conditional payments
    grants: dict[int, str] = field(default_factory=dict)  # grant id -> firm (address)
    paydays: dict[int, int] = field(default_factory=dict)  # pay run id -> payday
    window: int | None = None  # conditional payments: how long the verifier has to decide a dispute (seconds)


@dataclass
class _Payment:
    payer: str
    payee: str
    verifier: str
    amount: int
    deadline: int
    state: str = "pending"  # pending | disputed | released | returned


_KIND_BY_EVENT = {
    "WalletOpened": "token", "TierSet": "token", "Issued": "token", "Earmarked": "token", "RegulatorSet": "token",
    "MerchantRegistered": "registry",
    "LessonRecorded": "escrow", "LessonsReleased": "escrow", "LessonsDisputed": "escrow", "DisputeResolved": "escrow",
    "LessonDelivered": "upfront", "DepositLocked": "upfront", "DepositReleased": "upfront", "DepositShared": "upfront",
    "CampaignFunded": "campaign", "PacketClaimed": "campaign", "PurchasePaid": "campaign", "CampaignSwept": "campaign",
    "PayeeRegistered": "payees", "PayeeRemoved": "payees",
    "ProgrammeFunded": "grants", "FirmAdmitted": "grants", "TranchePaid": "grants", "GrantSpent": "grants",
    "GrantClawedBack": "grants", "MilestoneMissed": "grants", "DebtRepaid": "grants", "UnpaidWithdrawn": "grants",
    "TrancheWithheld": "grants", "FirmExcluded": "grants", "GrantMoneyReturnedOnClose": "grants",
    "MilestoneSkipped": "grants", "WageSkipped": "wages", "SurplusDepositReleased": "upfront",
    "PaymentCreated": "conditional", "PaymentReleased": "conditional", "PaymentReturned": "conditional",
    "PaymentDisputed": "conditional",
    "PayrollFunded": "wages", "WageAssigned": "wages", "WagePaid": "wages", "WageReturned": "wages",
}
_KIND_BY_LABEL = {"ECNY": "token", "MerchantRegistry": "registry", "escrow": "escrow", "risk_deposit": "upfront",
                  "unsupervised": "upfront", "campaign": "campaign",
                  "PayeeRegistry": "payees", "GrantProgramme": "grants", "ConditionalPayment": "conditional",
                  "WagePassThrough": "wages", "payees": "payees", "programme": "grants", "conditional": "conditional",
                  "wages": "wages"}
#: The subsidy contracts' default labels (artifact names and the wrappers' defaults): named by kind alone.
_DEFAULT_LABELS = {"payees": {"PayeeRegistry", "payees"}, "grants": {"GrantProgramme", "programme"},
                   "conditional": {"ConditionalPayment", "conditional"}, "wages": {"WagePassThrough", "wages"}}
#: Functions that tell each subsidy contract apart when a deployment's arguments alone cannot.
_KIND_BY_FUNCTION = {"registerPayees": "payees", "admitFirms": "grants", "reclaim": "conditional",
                     "fundPayroll": "wages", "registerMerchants": "registry"}
#: Token events that move or lock money; when the contract controlling them also speaks in the same
#: transaction, its sentence tells the movement and these are not told twice.
_EARMARK_EVENTS = {"Earmarked": "controller", "EarmarkReleased": "controller", "EarmarksReleased": "controller",
                   "EarmarkReturned": "controller", "EarmarkMoved": "controller", "AllEarmarksEnded": "controller"}
#: Subsidy events told together when one transaction has several (a batch of firms, workers or payees).
_GROUPED = frozenset({"PayeeRegistered", "FirmAdmitted", "TranchePaid", "WageAssigned", "WagePaid"})
_TIME_ARGS = {"start", "end", "expiry", "closesAt", "closedAt", "courseStart", "earliestChargeAt", "deadline", "payday"}
#: Times years apart (a grant's promise, an exclusion): told as a day with its year.
_DAY_ARGS = {"until", "breachedAt", "promiseEnd"}
#: Milestones are numbered from 0 on chain and from 1 when told.
_MILESTONE_ARGS = {"expected", "given", "milestone"}


class Narrator(Reporter):
    """Tells a run step by step. Attach ``on_transaction`` to ``chain.on_transaction`` (or call ``attach``).

    :param label: address -> actor or contract name (``sim.chain.label``); ``None`` until ``attach`` binds it.
    :param lang: "en" or "zh".
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
        if lang not in PHRASEBOOKS:
            raise ValueError(f"unknown narration language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
        self.label: Callable[[str], str] = label or (lambda address: address)
        self.lang = lang
        self.p: English = PHRASEBOOKS[lang]()
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
        self._contracts: dict[str, _Contract] = {}
        self._by_address: dict[str, str] = {}  # contract address (lower) -> label
        self._wallet_tier: dict[str, int] = {}
        self._tier_limits: dict[int, dict[str, int]] = {
            t.tier_id: {"perPaymentFen": t.per_payment_fen, "dailyFen": t.daily_fen, "balanceCapFen": t.balance_cap_fen}
            for t in WALLET_TIERS.values()}
        self._district_names: dict[int, str] = {}
        for code, name in (districts or {}).items():
            self._district_names[int(code)] = name
        self._district_guess: dict[int, set[str]] = {}

    # ------------------------------------------------------------------ wiring
    def attach(self, target: Any) -> "Narrator":
        """Appends ``on_transaction`` to a Chain's (or a Simulation's chain's) transaction hooks and names
        addresses with that chain's ``label``."""
        chain = getattr(target, "chain", target)
        self.label = chain.label
        chain.on_transaction.append(self.on_transaction)
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
            self._learn(record)
        except Exception:
            if self.strict:
                raise
        try:
            sentences = self._describe(record)
        except Exception:
            if self.strict:
                raise
            sentences = [self.p.nothing_happened(self._actor(record.actor), record.function,
                                                 self._contract_name(record.contract))]
        sentences = [self.p.sentence(" ".join(str(t).split())) for t in sentences if t]
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
        when = self._stamp(result.timestamp)
        for sentence in sentences:
            self.sentences.append(sentence)
            self._emit(when, sentence, style="yellow" if refused else None)
        if story:
            self._owe_wait = True

    # ------------------------------------------------------------------ output and pausing
    def _stamp(self, ts: int) -> str:
        return to_beijing(ts).strftime("%Y-%m-%d %H:%M")

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
            hint = "(按回车键继续，Ctrl+C 停止)" if self.lang == "zh" else "(press Enter for the next step, Ctrl+C to stop)"
            if isinstance(self.out, Console):
                self.out.print(Text(hint, style="dim"), soft_wrap=True)
            else:
                self.out.write(hint + "\n")
                self.out.flush()
        self.waits += 1
        if stdin.readline() == "":  # end of input: stop pausing
            self.pause = False

    # ------------------------------------------------------------------ names
    def _name(self, address: Any) -> str:
        if not _is_address(address):
            return str(address)
        label = self._label_of(address)
        if label in self._contracts or label in _KIND_BY_LABEL or address.lower() in self._by_address:
            return self._contract_name(label)
        return self.p.ROLES.get(label, label)

    def _actor(self, name: str) -> str:
        return self.p.ROLES.get(name, name)

    def _label_of(self, address: str) -> str:
        known = self._by_address.get(address.lower())
        if known is not None:
            return known
        try:
            return self.label(address)
        except Exception:
            return address

    def _contract_name(self, label: str) -> str:
        c = self._contracts.get(label)
        kind = c.kind if c else _KIND_BY_LABEL.get(label, "unknown")
        bps = c.bps if c else None
        if kind == "upfront" and bps is None:
            bps = 0 if label == "unsupervised" else 1
        if kind in NEW_KINDS:
            return self.p.contract(kind, label, bps, label in _DEFAULT_LABELS[kind])
        return self.p.contract(kind, label, bps)

    def _abi_kind(self, label: str) -> str | None:
        """The kind of a deployed contract from its ABI's functions, when the chain is at hand."""
        chain = getattr(self.label, "__self__", None)
        try:
            abi = chain.contract(label).abi  # type: ignore[union-attr]
        except Exception:
            return None
        names = {e.get("name") for e in abi if e.get("type") == "function"}
        return next((kind for fn, kind in _KIND_BY_FUNCTION.items() if fn in names), None)

    def _is_token(self, address: Any) -> bool:
        if not _is_address(address):
            return False
        label = self._by_address.get(address.lower())
        return label is not None and self._contract(label).kind == "token"

    def _contract(self, label: str) -> _Contract:
        c = self._contracts.get(label)
        if c is None:
            c = self._contracts[label] = _Contract(kind=_KIND_BY_LABEL.get(label, "unknown"))
        return c

    def _district(self, code: int | None) -> str | None:
        if not code:
            return None
        if code in self._district_names:
            return self._district_names[code]
        guesses = self._district_guess.get(code, set())
        if len(guesses) == 1 and next(iter(guesses)) in DISTRICTS:
            return DISTRICTS[next(iter(guesses))][0 if self.lang == "en" else 1]
        return None

    def _campaign_where(self, c: _Contract) -> str:
        terms = c.terms or {}
        district = self._district(terms.get("district"))
        if district is None and terms.get("district") and c.funder:
            word = self._name(c.funder).partition(":")[2].split("-")[0].lower()
            if word in DISTRICTS:
                district = DISTRICTS[word][0 if self.lang == "en" else 1]
        return self.p.where(district)

    # ------------------------------------------------------------------ what the narrator learns
    def _learn(self, record: Any) -> None:
        result = record.result
        if record.function == "constructor" and result.status == 1 and record.address:
            self._by_address[record.address.lower()] = record.contract
            c = self._contract(record.contract)
            args = list(record.args)
            if len(args) == 5 and isinstance(args[4], dict) and "allowedPurposes" in args[4]:
                c.kind, c.terms, c.funder, c.agency = "grants", dict(args[4]), args[2], args[3]
                if _is_address(args[1]) and args[1].lower() in self._by_address:
                    self._contract(self._by_address[args[1].lower()]).kind = "payees"
            elif len(args) == 3 and all(_is_address(a) for a in args) and (
                    self._is_token(args[0]) or self._abi_kind(record.contract) == "wages"):
                c.kind, c.main, c.sub = "wages", args[1], args[2]
            elif (len(args) == 2 and isinstance(args[1], int) and not isinstance(args[1], bool)
                  and (self._is_token(args[0]) or self._abi_kind(record.contract) == "conditional")):
                c.kind, c.window = "conditional", args[1]
            elif len(args) == 2 and all(_is_address(a) for a in args):
                c.kind = "token"
            elif len(args) == 1 and _is_address(args[0]):
                kind = self._abi_kind(record.contract) or _KIND_BY_LABEL.get(record.contract)
                if kind == "conditional" or (kind is None and self._is_token(args[0])):
                    c.kind = "conditional"
                elif kind == "payees" or (kind is None and "payee" in record.contract.lower()):
                    c.kind, c.registrar = "payees", args[0]
                else:
                    c.kind, c.registrar = "registry", args[0]
            elif len(args) >= 3 and isinstance(args[2], dict) and "disputeWindow" in args[2]:
                c.kind = "upfront" if len(args) >= 4 else "escrow"
                if len(args) >= 4 and isinstance(args[3], int):
                    c.bps = args[3]
            elif len(args) >= 4 and isinstance(args[3], dict) and "winnersRoot" in args[3]:
                c.kind, c.terms, c.funder = "campaign", dict(args[3]), args[2]
        if result.status != 1:
            return
        for ev in result.events:
            c = self._contract(ev.contract)
            if ev.name in _KIND_BY_EVENT and (c.kind == "unknown" or (c.kind == "registry"
                                                                   and _KIND_BY_EVENT[ev.name] == "payees")):
                c.kind = _KIND_BY_EVENT[ev.name]
            a = ev.args
            if ev.name == "CoursePublished":
                c.courses[a["courseId"]] = _Course(a["institution"], a["feePerLessonFen"], a["lessons"])
            elif ev.name == "OrderPlaced":
                c.orders[a["orderId"]] = _Order(a["parent"], a["courseId"])
            elif ev.name == "DepositLocked" and c.bps is None:
                c.bps = 1
            elif ev.name == "PurchasePaid":
                c.purchases[a["purchaseId"]] = (a["buyer"], a["merchant"], a["packetFen"] + a["ownFen"])
            elif ev.name == "CampaignFunded" and c.funder is None:
                c.funder = a["funder"]
            elif ev.name == "PaymentCreated":
                c.payments[a["paymentId"]] = _Payment(a["payer"], a["payee"], a["verifier"], a["amountFen"],
                                                      a["deadline"])
            elif ev.name in ("PaymentDisputed", "PaymentReleased", "PaymentReturned") and a["paymentId"] in c.payments:
                pay = c.payments[a["paymentId"]]
                pay.state = {"PaymentDisputed": "disputed", "PaymentReleased": "released",
                             "PaymentReturned": "returned"}[ev.name]
                if isinstance(a.get("decideBy"), int):
                    pay.deadline = a["decideBy"]  # the verifier's own deadline
            elif ev.name == "FirmAdmitted":
                c.grants[a["grantId"]] = a["firm"]
            elif ev.name == "PayrollFunded":
                c.paydays[a["payrollId"]] = a["payday"]
            elif ev.name == "ProgrammeFunded" and c.funder is None:
                c.funder = a["department"]
            elif ev.name in ("WalletOpened", "WalletTierChanged"):
                self._wallet_tier[a["wallet"].lower()] = a["tier"]
            elif ev.name == "TierSet":
                self._tier_limits[a["tier"]] = {k: a[k] for k in ("perPaymentFen", "dailyFen", "balanceCapFen")}
            elif ev.name == "MerchantRegistered":
                word = self._name(a["merchant"]).partition(":")[2].split("-")[0].lower()
                self._district_guess.setdefault(a["district"], set()).add(word if word in DISTRICTS else "?")

    # ------------------------------------------------------------------ describing one transaction
    def _describe(self, record: Any) -> list[str]:
        if record.result.status == 0:
            return [self._refusal(record)]
        events = list(record.result.events)
        if record.function == "constructor":
            return self._deployment(record, events)
        speakers = {ev.contract for ev in events}
        told: list[str] = []
        groups: dict[str, list] = {}
        order: list[tuple[int, str]] = []  # (sort key, group key, or "#i" for singles[i]); lessons before payouts
        singles: list[str] = []
        by_order: dict[tuple[str, int], list] = {}
        for ev in events:
            if ev.name in ("DepositShared", "DepositLocked") and "orderId" in ev.args:
                by_order.setdefault((ev.contract, ev.args["orderId"]), []).append(ev)
        for ev in events:
            name = ev.name
            ctl = ev.args.get(_EARMARK_EVENTS[name]) if name in _EARMARK_EVENTS else None
            if _is_address(ctl) and self._label_of(ctl) in speakers - {ev.contract}:
                continue  # told by the controlling contract's own sentence
            if name == "DepositShared" and any(e.name == "OrderRefunded" and e.contract == ev.contract
                                               and e.args["orderId"] == ev.args["orderId"] for e in events):
                continue
            if name == "DepositLocked" and any(e.name == "OrderPlaced" and e.contract == ev.contract
                                               and e.args["orderId"] == ev.args["orderId"] for e in events):
                continue
            if name in ("LessonRecorded", "LessonDelivered", "LessonsReleased", "LessonSkipped", "WalletOpened",
                        "TierSet", "MerchantRegistered", "DepositReleased") or name in _GROUPED:
                key = f"{ev.contract}|{name}"
                if key not in groups:
                    groups[key] = []
                    rank = {"LessonRecorded": 0, "LessonDelivered": 0, "LessonsReleased": 1, "LessonSkipped": 2}
                    order.append((rank.get(name, 0) * 10_000 + len(order), key))
                groups[key].append(ev)
                continue
            sentence = self._event(record, ev, events, by_order)
            if sentence:
                singles.append(sentence)
                order.append((len(order) + 5_000, f"#{len(singles) - 1}"))
        has_recorded = any(k.endswith("|LessonRecorded") for k in groups)
        for _, key in sorted(order):
            if key.startswith("#"):
                told.append(singles[int(key[1:])])
            else:
                told.extend(self._group(record, key.partition("|")[2], groups[key], events, has_recorded))
        if not told:
            told.append(self._quiet(record))
        return told

    def _quiet(self, record: Any) -> str:
        """A successful transaction without events of its own worth telling."""
        p, a = self.p, record.args
        if record.function == "approveEarmark" and len(a) == 2:
            amount = None if a[1] >= MAX_UINT // 2 else p.money(a[1])
            return p.earmark_approval(self._actor(record.actor), self._name(a[0]), amount)
        return p.nothing_happened(self._actor(record.actor), record.function, self._contract_name(record.contract))

    def _deployment(self, record: Any, events: list) -> list[str]:
        p = self.p
        c = self._contract(record.contract)
        told = []
        for ev in events:
            if ev.name == "RegulatorSet":
                told.append(p.deploy_token(self._name(ev.args["regulator"])))
            elif ev.name == "RulesUpdated":
                told.append(self._rules(record.contract, ev.args["rules"], initial=True))
            else:
                told.append(self._event(record, ev, events, {}))
        if told:
            return [t for t in told if t]
        if c.kind == "campaign" and c.terms:
            return [p.deploy_campaign(self._name(c.funder), self._campaign_where(c), p.time(c.terms["start"]),
                                      p.until(c.terms["expiry"]))]
        if c.kind == "registry" and c.registrar:
            return [p.deploy_registry(self._name(c.registrar))]
        if c.kind == "payees" and c.registrar:
            return [p.deploy_payees(self._name(c.registrar))]
        if c.kind == "grants" and c.terms:
            rules = c.terms
            rate = rules.get("interestRateBps", 0)
            exclusion = rules.get("exclusionDays", 0)
            return [p.deploy_grants(self._name(c.funder), self._name(c.agency), self._allowed(record.contract),
                                    f"{rate / 100:g}%" if rate else None, p.span(rules.get("promiseDays", 0)),
                                    p.span(exclusion) if exclusion else None)]
        if c.kind == "conditional":
            window = c.window or 0
            window_words = (p.count(window // DAY, "day") if window % DAY == 0 else p.count(window // HOUR, "hour")) \
                if window >= HOUR else None
            return [p.deploy_conditional(self._actor(record.actor), self._contract_name(record.contract),
                                         window_words)]
        if c.kind == "wages" and c.main and c.sub:
            return [p.deploy_wages(self._name(c.main), self._name(c.sub))]
        return [p.deploy_other(self._actor(record.actor), self._contract_name(record.contract))]

    @staticmethod
    def _when(fmt: Callable[[int], str], ts: int) -> str:
        """A time in words; a number past any calendar (a deadline of 2^64 seconds) stays a number."""
        try:
            return fmt(ts)
        except (OverflowError, ValueError, OSError):
            return f"{ts:,}"

    def _allowed(self, label: str) -> str | None:
        """The purposes a grant programme's money may pay, in words ("payroll, rent or suppliers")."""
        c = self._contracts.get(label)
        if c is None or c.kind != "grants" or not c.terms:
            return None
        bits = c.terms.get("allowedPurposes", 0)
        codes = [code for code in range(1, 256) if (bits >> code) & 1]
        return self.p.names_or([self.p.purpose(code) for code in codes]) or None

    def _grant_firm(self, contract: str, grant_id: Any) -> str:
        firm = self._contract(contract).grants.get(grant_id)
        if firm is not None:
            return self._name(firm)
        return f"grant {grant_id}'s firm" if self.lang == "en" else f"第{grant_id}笔资助的企业"

    def _party(self, address: str | None, role: str) -> str:
        """A named party of a contract, or its role in words when the narrator never learnt it."""
        if address:
            return self._name(address)
        return {"en": {"main": "the main contractor", "sub": "the subcontractor", "payer": "the payer",
                       "payee": "the payee", "verifier": "the verifier", "registrar": "the registrar"},
                "zh": {"main": "总包方", "sub": "分包方", "payer": "付款人", "payee": "收款人", "verifier": "核验方",
                       "registrar": "登记机关"}}[self.lang][role]

    def _rules(self, contract: str, rules: dict, initial: bool) -> str:
        p = self.p
        days = rules["maxOrderSpan"] // DAY
        window = rules.get("disputeWindow", 0)
        return p.rules(self._contract_name(contract), p.money(rules["maxChargeFen"]),
                       p.count(rules["maxClassHoursPerOrder"], "class hour"), p.count(days, "day"),
                       p.count(window // HOUR, "hour") if window and self._contract(contract).kind == "escrow" else None,
                       initial)

    def _order(self, contract: str, order_id: int) -> _Order | None:
        return self._contract(contract).orders.get(order_id)

    def _parent_of(self, contract: str, order_id: int) -> str:
        o = self._order(contract, order_id)
        if o is not None:
            return self._name(o.parent)
        return f"order {order_id}" if self.lang == "en" else f"第{order_id}笔订单"

    def _course_of_order(self, contract: str, order_id: int) -> _Course | None:
        o = self._order(contract, order_id)
        if o is None or o.course_id is None:
            return None
        return self._contract(contract).courses.get(o.course_id)

    # ------------------------------------------------------------------ single events
    def _event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        p, a, n = self.p, ev.args, self._name
        m = p.money
        name = ev.name
        # ---- e-CNY
        if name == "RegulatorSet":
            return p.regulator_set(n(a["regulator"]))
        if name == "ControllerSet":
            return p.controller_set(n(a["controller"]), a["enabled"])
        if name == "WalletTierChanged":
            tier = _TIER_NAME_BY_ID.get(a["tier"])
            per = self._tier_limits.get(a["tier"], {}).get("perPaymentFen", 0)
            return p.wallet_tier_changed(n(a["wallet"]), p.tier(tier) or str(a["tier"]), m(per) if per else None)
        if name == "WalletClosed":
            return p.wallet_closed(n(a["wallet"]), m(a["redeemedFen"]))
        if name == "WalletFrozen":
            return p.wallet_frozen(n(a["wallet"]))
        if name == "WalletUnfrozen":
            return p.wallet_unfrozen(n(a["wallet"]))
        if name == "Issued":
            return p.issued(n(a["wallet"]), m(a["amountFen"]))
        if name == "Redeemed":
            return p.redeemed(n(a["wallet"]), m(a["amountFen"]))
        if name == "Transfer":
            return p.transfer(n(a["from"]), n(a["to"]), m(a["amountFen"]))
        if name == "EarmarkApproval":
            amount = None if a["amountFen"] >= MAX_UINT // 2 else m(a["amountFen"])
            return p.earmark_approval(n(a["wallet"]), n(a["controller"]), amount)
        if name == "Earmarked":
            return p.earmarked(n(a["wallet"]), n(a["controller"]), m(a["amountFen"]))
        if name == "EarmarkReleased":
            return p.earmark_released(n(a["wallet"]), n(a["payee"]), m(a["amountFen"]))
        if name == "EarmarksReleased":
            return p.earmarks_released(a["wallets"], n(a["payee"]), m(a["amountFen"]))
        if name == "EarmarkReturned":
            return p.earmark_returned(n(a["wallet"]), m(a["amountFen"]))
        if name == "EarmarkMoved":
            return p.earmark_moved(n(a["from"]), n(a["to"]), m(a["amountFen"]))
        if name == "AllEarmarksEnded":
            return p.all_earmarks_ended(n(a["controller"]), n(a["to"]), m(a["amountFen"]))
        # ---- prepaid tuition
        if name == "RulesUpdated":
            return self._rules(ev.contract, a["rules"], initial=False)
        if name == "InstitutionApproved":
            return p.institution_approved(n(a["institution"]), self._contract_name(ev.contract))
        if name == "InstitutionFrozen":
            return p.institution_frozen(n(a["institution"]))
        if name == "ClosureAnnounced":
            return p.closure_announced(n(a["institution"]), p.time(a["closesAt"]))
        if name == "CoursePublished":
            return p.course_published(n(a["institution"]), p.count(a["lessons"], "lesson"), m(a["feePerLessonFen"]),
                                      p.date(a["start"]), p.date(a["end"]))
        if name == "OrderPlaced":
            return self._enrolment(ev, events)
        if name == "OrderCancelled":
            return p.order_cancelled(n(a["parent"]), m(a["refundFen"]), p.count(a["lessonsUnused"], "lesson"))
        if name == "OrderRefunded":
            return self._refund(ev, by_order, record)
        if name == "DepositLocked":
            return p.deposit_locked(self._parent_of(ev.contract, a["orderId"]), n(a["institution"]), m(a["amountFen"]))
        if name == "DepositShared":
            return p.deposit_shared(n(a["parent"]), m(a["amountFen"]))
        if name == "LessonsDisputed":
            course = self._course_of_order(ev.contract, a["orderId"])
            held = a["lessonsHeld"]
            amount = m(held * course.fee) if course else m(0)
            if course is None:
                amount = "the fee" if self.lang == "en" else "这笔钱"
            return p.lessons_disputed(n(a["parent"]), held, amount)
        if name == "DisputeResolved":
            course = self._course_of_order(ev.contract, a["orderId"])
            school = n(course.institution) if course else self._contract_name(ev.contract)
            return p.dispute_resolved(self._parent_of(ev.contract, a["orderId"]), school, m(a["amountFen"]),
                                      a["releasedToInstitution"])
        # ---- red packets
        c = self._contract(ev.contract)
        if name == "CampaignFunded":
            return p.campaign_funded(n(a["funder"]), m(a["budgetFen"]))
        if name == "MerchantsAllowed":
            return p.merchants_allowed(self._actor(record.actor), a["count"])
        if name == "PacketClaimed":
            expiry = p.until(c.terms["expiry"]) if c.terms else None
            return p.packet_claimed(n(a["winner"]), m(a["amountFen"]), self._campaign_where(c), expiry)
        if name == "PurchasePaid":
            total = a["packetFen"] + a["ownFen"]
            return p.purchase_paid(n(a["buyer"]), n(a["merchant"]), m(total), m(a["packetFen"]), m(a["ownFen"]),
                                   a["packetFen"], a["ownFen"])
        if name == "PurchaseRefunded":
            buyer, merchant, total = c.purchases.get(a["purchaseId"], (None, None, 0))
            funder = n(c.funder) if c.funder else self._contract_name(ev.contract)
            buyer_name = n(buyer) if buyer else ("the buyer" if self.lang == "en" else "买家")
            return p.purchase_refunded(n(merchant) if merchant else self._actor(record.actor), buyer_name,
                                       m(total) if total else None,
                                       m(a["ownToBuyerFen"]) if a["ownToBuyerFen"] else None,
                                       m(a["packetToBuyerFen"]) if a["packetToBuyerFen"] else None,
                                       m(a["packetToFunderFen"]) if a["packetToFunderFen"] else None, funder)
        if name == "PacketReturnedOnClose":
            funder = n(c.funder) if c.funder else self._contract_name(ev.contract)
            return p.packet_returned_on_close(n(a["wallet"]), m(a["amountFen"]), funder)
        if name == "CampaignSwept":
            funder = n(c.funder) if c.funder else self._contract_name(ev.contract)
            return p.campaign_swept(funder, m(a["sweptFen"]), m(a["unclaimedFen"]), m(a["unspentFen"]),
                                    nothing=a["sweptFen"] == 0)
        # ---- payee register, grants, conditional payments, wages
        if name == "PayeeRemoved":
            return p.payee_removed(self._actor(record.actor), n(a["payee"]), p.purpose(a["purpose"]))
        if name == "ProgrammeFunded":
            return p.programme_funded(n(a["department"]), m(a["amountFen"]), self._contract_name(ev.contract))
        if name == "UnpaidWithdrawn":
            return p.unpaid_withdrawn(n(a["department"]), m(a["amountFen"]))
        if name == "TrancheWithheld":
            return p.tranche_withheld(n(a["firm"]), a["milestone"] + 1, m(a["withheldFen"]),
                                      m(a["cancelledFen"]) if a["cancelledFen"] else None)
        if name == "MilestoneMissed":
            return p.milestone_missed(n(a["firm"]), a["milestone"] + 1, m(a["cancelledFen"]))
        if name == "GrantSpent":
            return p.grant_spent(n(a["firm"]), n(a["payee"]), p.purpose(a["purpose"]), m(a["amountFen"]))
        if name == "GrantClawedBack":
            fraud = bool(record.function == "recordBreach" and len(record.args) >= 3 and record.args[2] is True)
            credited = a.get("creditedOnCloseFen", 0)
            owed = a["principalFen"] + a["interestFen"] - credited
            return p.grant_clawed_back(n(a["firm"]), self._when(p.day, a["breachedAt"]), fraud, m(owed), m(a["principalFen"]),
                                       m(a["interestFen"]), m(a["returnedUnspentFen"]), m(a["outstandingFen"]),
                                       a["returnedUnspentFen"], a["outstandingFen"], m(credited) if credited else None)
        if name == "FirmExcluded":
            return p.firm_excluded(n(a["firm"]), self._when(p.day, a["until"]))
        if name == "DebtRepaid":
            return p.debt_repaid(n(a["firm"]), m(a["amountFen"]), m(a["outstandingFen"]), a["outstandingFen"] == 0)
        if name == "GrantMoneyReturnedOnClose":
            return p.grant_returned_on_close(n(a["firm"]), m(a["amountFen"]))
        if name == "PaymentCreated":
            return p.payment_created(n(a["payer"]), n(a["payee"]), n(a["verifier"]), m(a["amountFen"]),
                                     self._when(p.time, a["deadline"]))
        if name in ("PaymentDisputed", "PaymentReleased", "PaymentReturned"):
            pay = c.payments.get(a["paymentId"])
            payer = self._party(pay.payer if pay else a.get("payer"), "payer")
            payee = self._party(pay.payee if pay else a.get("payee"), "payee")
            verifier = self._party(pay.verifier if pay else None, "verifier")
            if name == "PaymentDisputed":
                decide_by = a.get("decideBy")
                return p.payment_disputed(payee, payer, verifier, m(pay.amount) if pay else None,
                                          self._when(p.time, decide_by) if isinstance(decide_by, int) else None)
            if name == "PaymentReleased":
                by_payer = pay is not None and a["decidedBy"].lower() == pay.payer.lower()
                return p.payment_released(payer, payee, m(a["amountFen"]), n(a["decidedBy"]), by_payer)
            r = a["reason"]
            reason = RETURN_REASONS[r] if isinstance(r, int) and 0 <= r < len(RETURN_REASONS) else None
            return p.payment_returned(payer, payee, verifier, m(a["amountFen"]), reason,
                                      self._when(p.time, pay.deadline) if pay else None)
        if name == "PayrollFunded":
            wages = [e.args["amountFen"] for e in events if e.name == "WageAssigned" and e.contract == ev.contract
                     and e.args["payrollId"] == a["payrollId"]]
            each = m(wages[0]) if wages and len(set(wages)) == 1 and len(wages) > 1 else None
            return p.payroll_funded(self._party(c.main, "main"), self._party(c.sub, "sub"),
                                    p.count(a["workers"], "worker"), m(a["totalFen"]), each, self._when(p.time, a["payday"]))
        if name == "WageReturned":
            return p.wage_returned(n(a["worker"]), m(a["amountFen"]), self._party(c.sub, "sub"),
                                   self._party(c.main, "main"))
        if name == "WageSkipped":
            return p.wage_skipped(n(a["worker"]), a["reason"])
        if name == "MilestoneSkipped":
            return p.milestone_skipped(a["grantId"], a["milestone"] + 1, a["reason"])
        if name == "SurplusDepositReleased":
            return p.surplus_deposit_released(n(a["institution"]), m(a["amountFen"]))
        return p.unknown_event(self._contract_name(ev.contract), name)

    def _enrolment(self, ev: Any, events: list) -> str:
        p, a, m = self.p, ev.args, self.p.money
        parent = a["parent"]
        c = self._contract(ev.contract)
        course = c.courses.get(a["courseId"])
        school_addr = course.institution if course else None
        released = moved = 0
        for e in events:
            if e.name == "EarmarkReleased" and e.args["wallet"] == parent:
                released += e.args["amountFen"]
                school_addr = school_addr or e.args["payee"]
            elif e.name == "EarmarkMoved" and e.args["from"] == parent:
                moved += e.args["amountFen"]
        deposit = sum(e.args["amountFen"] for e in events if e.name == "DepositLocked"
                      and e.contract == ev.contract and e.args["orderId"] == a["orderId"])
        moved = moved or deposit
        fee = a["feeFen"]
        school = self._name(school_addr) if school_addr else self._contract_name(ev.contract)
        lessons = p.count(a["lessons"], "lesson")
        who = self._name(parent)
        if released == 0 and moved == 0:
            return p.enrol_locked(who, m(fee), lessons, school)
        if released >= fee:
            return p.enrol_upfront(who, m(fee), lessons, school)
        if moved and released + moved >= fee:
            return p.enrol_deposit(who, m(fee), lessons, school, m(released), m(moved))
        return p.enrol_mixed(who, m(fee), lessons, school, m(released), m(fee - released))

    def _refund(self, ev: Any, by_order: dict, record: Any) -> str:
        p, a, m = self.p, ev.args, self.p.money
        parent = self._name(a["parent"])
        refund, owed = a["refundFen"], a["unconsumedFen"]
        if owed == 0:
            return p.order_refunded_nothing_owed(parent, m(refund))
        if refund >= owed:
            return p.order_refunded_full(parent, m(refund))
        if refund == 0:
            return p.order_refunded_none(parent, m(refund), m(owed))
        shared = [e for e in by_order.get((ev.contract, a["orderId"]), []) if e.name == "DepositShared"]
        source = None
        if shared:
            course = self._course_of_order(ev.contract, a["orderId"])
            if course is not None:
                source = self._name(course.institution)
            elif record.function == "refundOrders" and record.args:
                source = self._name(record.args[0])
        return p.order_refunded_partial(parent, m(refund), m(owed), m(owed - refund), source)

    # ------------------------------------------------------------------ batches
    def _group(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        p, m = self.p, self.p.money
        contract = evs[0].contract
        if name == "TierSet":
            return [p.tiers_set()]
        if name == "WalletOpened":
            tiers = Counter(e.args["tier"] for e in evs)
            tier = p.tier(_TIER_NAME_BY_ID.get(tiers.most_common(1)[0][0])) if len(tiers) == 1 else ""
            names = [self._name(e.args["wallet"]) for e in evs]
            return [p.wallets_opened(names, tier, len(evs))]
        if name == "MerchantRegistered":
            codes = {e.args["district"] for e in evs}
            where = self._district(next(iter(codes))) if len(codes) == 1 else None
            names = [self._name(e.args["merchant"]) for e in evs]
            return [p.merchants_registered(self._actor(record.actor), len(evs), where, names[0], names[-1])]
        if name in ("LessonRecorded", "LessonDelivered"):
            lesson = Counter(e.args["lessonNumber"] for e in evs).most_common(1)[0][0]
            course = self._course_of_order(contract, evs[0].args["orderId"])
            school = self._name(course.institution) if course else self._actor(record.actor)
            pupils = p.count(len(evs), "pupil")
            if name == "LessonDelivered":
                return [p.lessons_delivered(lesson, pupils, school)]
            fee = m(course.fee) if course else ("fee" if self.lang == "en" else "学费")
            until = p.time(max(e.args["releasableAt"] for e in evs))
            return [p.lessons_recorded_held(lesson, pupils, school, fee, until)]
        if name == "LessonsReleased":
            amounts = [e.args["amountFen"] for e in evs]
            total = sum(amounts)
            payee = None
            for e in events:
                if e.name in ("EarmarksReleased", "EarmarkReleased"):
                    payee = e.args["payee"]
                    break
            if payee is None:
                course = self._course_of_order(contract, evs[0].args["orderId"])
                payee = course.institution if course else None
            payee_name = self._name(payee) if payee else self._actor(record.actor)
            if record.function == "recordLesson":
                context = "earlier" if has_recorded else "recorded"
            elif record.function == "releaseMatured":
                context = "matured"
            else:
                context = "other"
            numbers = {e.args["lessonsReleased"] for e in evs}
            lesson = next(iter(numbers)) if len(numbers) == 1 and all(e.args["lessons"] == 1 for e in evs) else None
            parents = {self._parent_of(contract, e.args["orderId"]) for e in evs}
            if len(evs) == 1 or len(parents) == 1:
                return [p.lessons_released(context, lesson, payee_name, m(total), None, 1, next(iter(parents)))]
            each = m(amounts[0]) if len(set(amounts)) == 1 else None
            return [p.lessons_released(context, lesson, payee_name, m(total), each, len(evs), None)]
        if name == "LessonSkipped":
            reasons = []
            for e in evs:
                r = e.args["reason"]
                key = SKIP_REASONS[r] if isinstance(r, int) and 0 <= r < len(SKIP_REASONS) else str(r)
                text = p.skip_reason(key)
                if text not in reasons:
                    reasons.append(text)
            parents = [self._parent_of(contract, e.args["orderId"]) for e in evs] if len(evs) <= 3 else []
            return [p.lessons_skipped(parents, len(evs), reasons)]
        if name == "DepositReleased":
            insts = {e.args["institution"] for e in evs}
            total = sum(e.args["amountFen"] for e in evs)
            return [p.deposit_released(self.p.names([self._name(i) for i in sorted(insts)]), m(total), len(evs))]
        if name == "PayeeRegistered":
            told = []
            for purpose in dict.fromkeys(e.args["purpose"] for e in evs):
                names = [self._name(e.args["payee"]) for e in evs if e.args["purpose"] == purpose]
                listed = p.who(names, "payee") if len(names) <= 3 or self.lang == "en" else f"{names[0]}到{names[-1]}"
                told.append(p.payees_registered(self._actor(record.actor), listed, p.purpose(purpose), len(names)))
            return told
        if name == "FirmAdmitted":
            programme = self._contract_name(contract)
            if len(evs) == 1:
                a = evs[0].args
                return [p.firm_admitted(self._name(a["firm"]), m(a["sizeFen"]), p.count(a["tranches"], "tranche"),
                                        programme)]
            sizes = {e.args["sizeFen"] for e in evs}
            tranches = {e.args["tranches"] for e in evs}
            firms = p.who([self._name(e.args["firm"]) for e in evs], "firm")
            count = (p.count(next(iter(tranches)), "tranche") if len(tranches) == 1
                     else ("tranches" if self.lang == "en" else "几期"))
            return [p.firms_admitted(firms, len(evs), m(next(iter(sizes))) if len(sizes) == 1 else None,
                                     m(sum(e.args["sizeFen"] for e in evs)), count, programme)]
        if name == "TranchePaid":
            allowed = self._allowed(contract)
            told = []
            for milestone in dict.fromkeys(e.args["milestone"] for e in evs):
                batch = [e for e in evs if e.args["milestone"] == milestone]
                if len(batch) == 1:
                    a = batch[0].args
                    told.append(p.tranche_paid(self._name(a["firm"]), milestone + 1, m(a["amountFen"]), allowed))
                    continue
                amounts = {e.args["amountFen"] for e in batch}
                firms = p.who([self._name(e.args["firm"]) for e in batch], "firm")
                told.append(p.tranches_paid(firms, len(batch), milestone + 1,
                                            m(next(iter(amounts))) if len(amounts) == 1 else None,
                                            m(sum(e.args["amountFen"] for e in batch)), allowed))
            return told
        if name == "WageAssigned":
            if any(e.name == "PayrollFunded" and e.contract == contract for e in events):
                return []  # the pay run's own sentence tells the wages
            told = []
            for run in dict.fromkeys(e.args["payrollId"] for e in evs):
                batch = [e for e in evs if e.args["payrollId"] == run]
                told.append(p.wages_assigned(run, p.who([self._name(e.args["worker"]) for e in batch], "worker"),
                                             m(sum(e.args["amountFen"] for e in batch))))
            return told
        if name == "WagePaid":
            c = self._contract(contract)
            sub = self._party(c.sub, "sub")
            told = []
            for by in dict.fromkeys(e.args["paidBy"] for e in evs):
                batch = [e for e in evs if e.args["paidBy"] == by]
                amounts = [e.args["amountFen"] for e in batch]
                payer = None if (c.sub and by.lower() == c.sub.lower()) else self._name(by)
                workers = p.who([self._name(e.args["worker"]) for e in batch], "worker")
                each = m(amounts[0]) if len(set(amounts)) == 1 and len(batch) > 1 else None
                told.append(p.wages_paid(workers, sub, m(sum(amounts)), each, payer, len(batch) == 1))
            return told
        return [self._event(record, e, events, {}) or "" for e in evs]  # pragma: no cover - every group is above

    # ------------------------------------------------------------------ refusals
    def _refusal(self, record: Any) -> str:
        p = self.p
        error = record.result.error
        name = getattr(error, "name", "") or ""
        kind = getattr(error, "kind", "custom")
        args = dict(getattr(error, "args", {}) or {})
        attempt = self._attempt(record)
        if kind == "empty":
            name = ""
        reason = p.reason(name if kind in ("custom", "Error", "Panic", "empty", "out_of_gas") else "\0", self._reason_args(record, name, args))
        if reason is None:
            reason = p.unknown_reason(name or kind)
        return p.refused(attempt, reason)

    def _reason_args(self, record: Any, name: str, args: dict) -> dict[str, Any]:
        p = self.p
        out: dict[str, Any] = {}
        for key, value in args.items():
            if _is_address(value):
                out[key] = self._name(value)
            elif isinstance(value, bool) or not isinstance(value, int):
                out[key] = value
            elif key.endswith("Fen"):
                out[key] = p.money(value)
            elif key.endswith("Seconds"):
                out[key] = f"{round(value / DAY, 1):g}"
            elif key in _TIME_ARGS or key in _DAY_ARGS:
                try:
                    out[key] = (p.day(value) if key in _DAY_ARGS else
                                p.until(value) if key in ("expiry", "end", "closedAt") else p.time(value))
                except (OverflowError, ValueError, OSError):  # not a date a calendar can show
                    out[key] = f"{value:,}"
            elif key in _MILESTONE_ARGS:
                out[key] = value + 1
            elif key == "purpose":
                out[key], out["purpose_code"] = p.purpose(value), value
            elif key == "disputeWindow":
                out[key] = f"{round(value / DAY, 1):g}"
            elif key == "depositBps":
                out[key] = f"{value / 100:g}%"
            else:
                out[key] = value
        wallet = args.get("wallet")
        tier_id = self._wallet_tier.get(wallet.lower()) if _is_address(wallet) else None
        out["tier"] = p.tier(_TIER_NAME_BY_ID.get(tier_id)) if tier_id is not None else ""
        if "courseStart" in args and "earliestChargeAt" in args:
            out["lead"] = p.count(max(0, (args["courseStart"] - args["earliestChargeAt"]) // DAY), "day")
        c = self._contract(record.contract)
        out["where"] = self._campaign_where(c) if c.kind == "campaign" else p.where(None)
        out["allowed"] = self._allowed(record.contract)
        payee = args.get("payee")
        out["self_payee"] = _is_address(payee) and self._label_of(payee) == record.actor
        out["registrar"] = self._party(c.registrar, "registrar")
        out["main"], out["sub"] = self._party(c.main, "main"), self._party(c.sub, "sub")
        out["main_known"] = c.main is not None
        pay = c.payments.get(args.get("paymentId")) if c.kind == "conditional" else None
        out.setdefault("payer", self._party(pay.payer if pay else None, "payer"))
        out.setdefault("payee", self._party(pay.payee if pay else None, "payee"))
        out.setdefault("verifier", self._party(pay.verifier if pay else None, "verifier"))
        out["state"] = pay.state if pay else None
        out["function"] = record.function
        return out

    def _attempt(self, record: Any) -> str:
        p, a, n, m = self.p, list(record.args), self._name, self.p.money
        fn = record.function
        c = self._contract(record.contract)
        facts: dict[str, Any] = {"actor": self._actor(record.actor), "function": fn, "contract": self._contract_name(record.contract)}

        def arg(i: int, default: Any = None) -> Any:
            return a[i] if len(a) > i else default

        key = {"enrol": "enrol", "cancelOrder": "cancel", "recordLesson": "record", "releaseMatured": "release",
               "refundOrders": "refund_orders", "freezeInstitution": "freeze", "approveInstitution": "approve",
               "publishCourse": "publish", "announceClosure": "announce", "disputeLessons": "dispute",
               "resolveDispute": "resolve", "releaseDeposits": "release_deposits", "claim": "claim", "pay": "pay",
               "refund": "refund", "sweep": "sweep", "fund": "fund", "transfer": "transfer", "redeem": "redeem",
               "issue": "issue", "closeWallet": "close_wallet", "freezeWallet": "freeze_wallet",
               "unfreezeWallet": "freeze_wallet", "openWallet": "open_wallet", "openWallets": "open_wallet",
               "approveEarmark": "approve_earmark", "registerMerchants": "register", "constructor": "deploy",
               }.get(fn, "generic")
        if fn == "unfreezeWallet":
            key = "generic"
        if c.kind in NEW_KINDS:
            key = {"registerPayees": "register_payees", "removePayee": "remove_payee", "fund": "grant_fund",
                   "withdrawUnpaid": "withdraw_unpaid", "admitFirms": "admit", "attestMilestones": "attest",
                   "recordMissedMilestone": "missed", "recordBreach": "breach", "spend": "spend", "repay": "repay",
                   "create": "cond_create", "confirm": "cond_confirm", "reject": "cond_reject",
                   "dispute": "cond_dispute", "reclaim": "cond_reclaim", "fundPayroll": "fund_payroll",
                   "payWages": "pay_wages", "returnWage": "return_wage"}.get(fn, key)
            if key == "constructor":
                key = "deploy"
            return p.attempt(key, self._subsidy_facts(key, facts, c, record))
        if key == "enrol":
            course = c.courses.get(arg(0))
            lessons = arg(1, 0)
            facts["lessons"] = p.count(lessons, "lesson")
            if course is not None:
                facts["fee"] = m(course.fee * lessons)
                facts["school"] = n(course.institution)
        elif key in ("refund_orders", "freeze", "approve"):
            facts["inst"] = n(arg(0, ""))
        elif key == "claim":
            facts["amount"] = m(arg(0, 0))
        elif key == "pay":
            facts["merchant"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key == "refund":
            facts["pid"], facts["amount"] = arg(0), m(arg(1, 0))
        elif key == "fund":
            facts["amount"] = m(arg(0, 0))
        elif key == "transfer":
            facts["to"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key in ("redeem", "issue"):
            facts["wallet"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key in ("close_wallet", "freeze_wallet"):
            facts["wallet"] = n(arg(0, ""))
        elif key == "approve_earmark":
            facts["controller"] = n(arg(0, ""))
        return p.attempt(key, facts)

    def _subsidy_facts(self, key: str, facts: dict[str, Any], c: _Contract, record: Any) -> dict[str, Any]:
        """What a refused call to a grant, conditional-payment, wage or payee contract tried, in words."""
        p, n, m = self.p, self._name, self.p.money
        a = list(record.args)

        def arg(i: int, default: Any = None) -> Any:
            return a[i] if len(a) > i else default

        def many(value: Any, noun: str) -> str:
            items = value if isinstance(value, list) else []
            return p.who([n(x) for x in items], noun) if items else p.count(0, noun)

        if key == "remove_payee":
            facts["payee"] = n(arg(0, ""))
        elif key in ("grant_fund", "withdraw_unpaid"):
            facts["amount"] = m(arg(0, 0))
        elif key == "admit":
            facts["firms"] = many(arg(0), "firm")
        elif key == "attest":
            ids = arg(0) if isinstance(arg(0), list) else []
            facts["firms"] = p.who([self._grant_firm(record.contract, i) for i in ids], "firm") or p.count(0, "firm")
            facts["milestone"] = arg(1, 0) + 1
        elif key == "missed":
            facts["firm"], facts["milestone"] = self._grant_firm(record.contract, arg(0)), arg(1, 0) + 1
        elif key == "breach":
            facts["firm"] = self._grant_firm(record.contract, arg(0))
        elif key == "spend":
            facts["payee"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key == "repay":
            facts["amount"] = m(arg(1, 0))
        elif key == "cond_create":
            facts["payee"], facts["amount"] = n(arg(0, "")), m(arg(2, 0))
        elif key.startswith("cond_"):
            pay = c.payments.get(arg(0))
            facts["payee"] = self._party(pay.payee if pay else None, "payee")
            facts["payer"] = self._party(pay.payer if pay else None, "payer")
            facts["amount"] = m(pay.amount) if pay else ("money" if self.lang == "en" else "钱")
        elif key == "fund_payroll":
            wages = arg(1) if isinstance(arg(1), list) else []
            facts["workers"], facts["amount"] = many(arg(0), "worker"), m(sum(w for w in wages if isinstance(w, int)))
            facts["sub"] = self._party(c.sub, "sub")
        elif key == "pay_wages":
            facts["workers"] = many(arg(1), "worker")
        elif key == "return_wage":
            facts["worker"] = n(arg(1, ""))
        return facts

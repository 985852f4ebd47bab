"""What a refused transaction tried, and why it was refused in plain words: the attempt from the function and
its arguments, the reason from the contract's custom error and its arguments (names, amounts, times in words).

Both are tables of messages (marked with ``N_``, looked up when a refusal is told), keyed by the attempt and
by the error's name; the few whose words depend on more than the error are chosen in ``special_reason``."""

from __future__ import annotations

from typing import Any

from ...chain.clock import DAY
from ..i18n import N_
from .contracts import TIER_NAME_BY_ID, Contract, is_address
from .names import Names
from .words import NEW_KINDS

#: An error argument that is a time: told as a date and time ("18 Oct 24:00" for a deadline at midnight).
TIME_ARGS = {"start", "end", "expiry", "closesAt", "closedAt", "courseStart", "earliestChargeAt", "deadline", "payday"}
DEADLINE_ARGS = {"expiry", "end", "closedAt"}
#: Times years apart (a grant's promise, an exclusion): told as a day with its year.
DAY_ARGS = {"until", "breachedAt", "promiseEnd"}
#: Milestones are numbered from 0 on chain and from 1 when told.
MILESTONE_ARGS = {"expected", "given", "milestone"}

#: What a refused call tried, by the function's key (``Refusals.attempt_facts``); enrolling, closing a wallet and
#: releasing a conditional payment read differently by who tries, and are chosen in ``Refusals.attempt``.
ATTEMPTS = {
    # TRANSLATORS: what someone tried before being refused; {actor} is who. A placeholder ending in _s is a name
    # in the possessive (see the "possessive" message).
    "cancel": N_("{actor} tries to leave the course"),
    "record": N_("{actor} tries to record a lesson"),
    "release": N_("{actor} tries to pay out lessons to the school"),
    "refund_orders": N_("{actor} tries to refund the parents of {inst}"),
    "freeze": N_("{actor} tries to freeze {inst}"),
    "approve": N_("{actor} tries to approve {inst}"),
    "publish": N_("{actor} tries to offer a course"),
    "announce": N_("{actor} tries to announce its closure"),
    "dispute": N_("{actor} tries to dispute a lesson"),
    "resolve": N_("{actor} tries to settle a dispute"),
    "release_deposits": N_("{actor} tries to unlock a school's deposit"),
    "claim": N_("{actor} tries to claim a {amount} red packet"),
    "pay": N_("{actor} tries to pay {amount} at {merchant} with the red packet"),
    "refund": N_("{actor} tries to refund {amount} of a purchase"),
    "sweep": N_("{actor} tries to send the unspent packet money back"),
    "fund": N_("{actor} tries to put {amount} into the campaign"),
    "transfer": N_("{actor} tries to send {amount} to {to}"),
    "redeem": N_("{wallet} tries to cash {amount} out to the bank"),
    "issue": N_("The bank tries to top up {wallet_s} wallet with {amount}"),
    "freeze_wallet": N_("{actor} tries to freeze {wallet_s} wallet"),
    "open_wallet": N_("{actor} tries to open a wallet"),
    "approve_earmark": N_("{actor} tries to let {controller} lock their money"),
    "register": N_("{actor} tries to register shops"),
    "deploy": N_("{actor} tries to set up {contract}"),
    "register_payees": N_("{actor} tries to register payees"),
    "remove_payee": N_("{actor} tries to take {payee} off the payee register"),
    "grant_fund": N_("{actor} tries to put {amount} into the grant programme"),
    "withdraw_unpaid": N_("{actor} tries to take back {amount} of the programme's budget"),
    "admit": N_("{actor} tries to admit {firms} to the grant programme"),
    "attest": N_("{actor} tries to confirm milestone {milestone} for {firms}"),
    "missed": N_("{actor} tries to record that {firm} missed milestone {milestone}"),
    "breach": N_("{actor} tries to claw back {firm_s} grant"),
    "spend": N_("{actor} tries to pay {amount} of grant money to {payee}"),
    "repay": N_("{actor} tries to pay back {amount} to the grant programme"),
    "cond_create": N_("{actor} tries to lock {amount} for {payee}"),
    "cond_reject": N_("{actor} tries to send the {amount} locked for {payee} back to {payer}"),
    "cond_dispute": N_("{actor} tries to dispute {payer_s} {amount} payment"),
    "cond_reclaim": N_("{actor} tries to unlock {payer_s} {amount} because nobody decided in time"),
    "fund_payroll": N_("{actor} tries to put {amount} of wages for {workers} into {sub_s} wallet"),
    "pay_wages": N_("{actor} tries to pay the wages of {workers}"),
    "return_wage": N_("{actor} tries to take back {worker_s} wage"),
    "generic": N_("{actor} tries to use {contract} ({function})"),
}

#: Why the contract refused, by its custom error's name; the placeholders are the error's arguments in words
#: (...Fen an amount, a time or date, a name; ..._s a name in the possessive) and a few facts the narrator adds.
REASONS = {
    # TRANSLATORS: why a transaction was refused, from a contract's error. {...Fen} are amounts; a placeholder
    # ending in _s is a name in the possessive (see the "possessive" message).
    # e-CNY wallets
    "ECNY_NotIssuer": N_("only the bank may do that"),
    "ECNY_NotRegulator": N_("only the regulator may do that"),
    "ECNY_NotController": N_("{caller} is not allowed to lock money in wallets"),
    "ECNY_ZeroAddress": N_("no wallet was named"),
    "ECNY_ZeroAmount": N_("the amount is zero"),
    "ECNY_LengthMismatch": N_("the list of wallets and the list of amounts do not match"),
    "ECNY_WalletExists": N_("{wallet} already has a wallet"),
    "ECNY_WalletNotOpen": N_("{wallet} has no open wallet"),
    "ECNY_WalletFrozen": N_("{wallet_s} wallet is frozen"),
    "ECNY_WalletNotFrozen": N_("{wallet_s} wallet is not frozen"),
    "ECNY_NotWalletOwnerOrIssuer": N_("only its owner or the bank may close {wallet_s} wallet"),
    "ECNY_WalletHasEarmarks": N_("{amountFen} in {wallet_s} wallet is still locked by {controller}"),
    "ECNY_InsufficientFree": N_("{wallet} has only {freeFen} of free money and this needs {neededFen}; locked "
                                "money cannot be moved by its owner"),
    "ECNY_InsufficientEarmark": N_("only {earmarkedFen} of {wallet_s} money is locked for {controller}, and this "
                                   "needs {neededFen}"),
    "ECNY_InsufficientAllowance": N_("{wallet} allowed {controller} to lock only {allowanceFen}, and this needs "
                                     "{neededFen}"),
    "ECNY_PerPaymentLimitExceeded": N_("{a_wallet} may pay at most {limitFen} at once"),
    "ECNY_DailyLimitExceeded": N_("{a_wallet} may pay at most {limitFen} a day, and {wallet} has paid "
                                  "{spentTodayFen} today"),
    "ECNY_BalanceCapExceeded": N_("{a_wallet} may hold at most {capFen}, and {wallet} would hold {balanceAfterFen}"),
    "ECNY_TooManyControllers": N_("{wallet_s} wallet already has money locked by too many contracts"),
    "ECNY_AmountTooLarge": N_("{amountFen} is more than the most allowed, {maxFen}"),
    # prepaid tuition
    "Prepaid_NotRegulator": N_("only the regulator may do that"),
    "Prepaid_NotToken": N_("only the e-CNY system may do that"),
    "Prepaid_NotApprovedInstitution": N_("{caller} is not a school the regulator has approved"),
    "Prepaid_NotCourseInstitution": N_("{caller} does not run that course"),
    "Prepaid_NotOrderParent": N_("the order belongs to another parent, not {caller}"),
    "Prepaid_AlreadyApproved": N_("{institution} is already approved"),
    "Prepaid_AlreadyFrozen": N_("{institution} is already frozen"),
    "Prepaid_UnknownCourse": N_("there is no course number {courseId}"),
    "Prepaid_UnknownOrder": N_("there is no order number {orderId}"),
    "Prepaid_InvalidRules": N_("every cap must be more than zero"),
    "Prepaid_InvalidCourse": N_("a course needs a fee, lessons, class hours, and an end after its start"),
    "Prepaid_InvalidLessonCount": N_("the course has {courseLessons} lessons, so {requested} cannot be bought"),
    "Prepaid_ClassHoursCapExceeded": N_("one order may cover at most {capHours} class hours, and this one has "
                                        "{classHours}"),
    "Prepaid_OrderSpanTooLong": N_("one order may cover at most {capSeconds} days (about three months), and this "
                                   "one runs {spanSeconds} days"),
    "Prepaid_ChargeCapExceeded": N_("a school may charge at most {capFen} at once, and this is {chargeFen}"),
    "Prepaid_ChargeTooEarly": N_("fees may be taken only from {earliestChargeAt}, {lead} before the course starts "
                                 "on {courseStart}"),
    "Prepaid_RenewalTooEarly": N_("a parent may pay for more only when {maxHoursLeft} class hours or fewer are "
                                  "left, and {classHoursLeft} are left"),
    "Prepaid_CourseEnded": N_("the course ended on {end}"),
    "Prepaid_InstitutionFrozen": N_("the regulator has frozen {institution}"),
    "Prepaid_InstitutionClosing": N_("{institution} is closing on {closesAt} and takes no new pupils"),
    "Prepaid_InstitutionClosed": N_("{institution} has closed, so it can no longer record lessons or take pupils"),
    "Prepaid_ClosureAlreadyAnnounced": N_("{institution} has already announced it will close on {closesAt}"),
    "Prepaid_OrderNotActive": N_("the order is already finished, cancelled or refunded"),
    "Prepaid_NothingToRefund": N_("nothing is left to refund on that order"),
    "Prepaid_RefundsNotOpen": N_("refunds open only once {institution} is frozen or closed"),
    "Prepaid_CourseNotStarted": N_("course {courseId} has not started yet: no lesson can be recorded before {start}"),
    "Prepaid_InstitutionCannotEnrol": N_("{institution} cannot enrol in its own course {courseId}"),
    "Prepaid_NotFrozen": N_("{institution} is not frozen"),
    "Prepaid_NoSurplusDeposit": N_("{institution}'s deposit has nothing beyond what its parents are owed"),
    "Prepaid_OrderStillActive": N_("{wallet} still holds active order {orderId}: cancel it before closing the "
                                   "wallet"),
    "Prepaid_NothingToDispute": N_("no lesson of that order is waiting to be paid"),
    "Prepaid_DisputeWindowClosed": N_("the time to dispute ended at {closedAt}"),
    "Prepaid_AlreadyDisputed": N_("that order is already disputed"),
    "Prepaid_NotDisputed": N_("that order is not disputed"),
    "Prepaid_InvalidDepositShare": N_("a deposit of {depositBps} of each fee is not possible"),
    # red packets
    "Campaign_NotFunder": N_("only the campaign's funder may do that"),
    "Campaign_NotToken": N_("only the e-CNY system may do that"),
    "Campaign_InvalidTerms": N_("the campaign's dates or rules do not make sense"),
    "Campaign_AlreadyFunded": N_("the campaign already has its money"),
    "Campaign_NotStarted": N_("packets can be used only from {start}"),
    "Campaign_Expired": N_("the packets expired at {expiry}"),
    "Campaign_NotExpired": N_("the packets are valid until {expiry}, and unspent money goes back only after that"),
    "Campaign_AlreadySwept": N_("the unspent money has already gone back"),
    "Campaign_FunderWalletNeeded": N_("the funder's wallet must stay open until the unspent money is swept back"),
    "Campaign_WalletFrozen": N_("the regulator has frozen this wallet, packet money included"),
    "Campaign_NotAWinner": N_("{caller} did not win a {amountFen} packet in the lottery"),
    "Campaign_AlreadyClaimed": N_("packet {packetIndex} has already been claimed"),
    "Campaign_PacketLimitReached": N_("one person may claim at most {maxPackets} packet(s)"),
    "Campaign_BudgetExhausted": N_("only {unclaimedFen} is left in the campaign"),
    "Campaign_MerchantNotAllowed": N_("packet money can only be spent at {where}, and {merchant} is not one of them"),
    "Campaign_BelowMinimumSpend": N_("packet money can pay only for purchases of at least {minSpendFen}"),
    "Campaign_ZeroAmount": N_("the amount is zero"),
    "Campaign_AmountTooLarge": N_("{amountFen} is more than the most allowed, {maxFen}"),
    "Campaign_UnknownPurchase": N_("there is no purchase number {purchaseId}"),
    "Campaign_NotPurchaseMerchant": N_("only the shop that made the sale may refund it"),
    "Campaign_RefundExceedsPurchase": N_("only {refundableFen} of that purchase can still be refunded"),
    # the shop register
    "Registry_NotRegistrar": N_("only the commerce bureau may register shops"),
    "Registry_ZeroAddress": N_("no shop was named"),
    "Registry_ZeroCode": N_("a shop needs a district and a category"),
    # the payee register
    "Payees_NotRegistrar": N_("only {registrar} may change the payee register"),
    "Payees_ZeroAddress": N_("no payee was named"),
    "Payees_ZeroPurpose": N_("a payee must be registered for a purpose"),
    "Payees_NotRegistered": N_("{payee} is not on the payee register"),
    # grant programmes
    "Grant_NotDepartment": N_("only the department that funds the programme may do that"),
    "Grant_NotAgency": N_("only the agency that checks the milestones may do that"),
    "Grant_NotFirm": N_("the grant is {firm_s}, not {caller_s}"),
    "Grant_NotToken": N_("only the e-CNY system may do that"),
    "Grant_InvalidRules": N_("the programme's rules do not make sense (a promise of no time, or a department "
                             "checking its own milestones)"),
    "Grant_ZeroAddress": N_("a firm, the department or the agency is missing, or the department tries to give "
                            "itself a grant"),
    "Grant_ZeroAmount": N_("the amount is zero"),
    "Grant_AmountTooLarge": N_("{amountFen} is more than the most allowed, {maxFen}"),
    "Grant_LengthMismatch": N_("the list of firms ({firms}) and the list of grants ({grants}) do not match"),
    "Grant_BadTranches": N_("a grant needs 1 to {maxTranches} tranches, and this one has {count}"),
    "Grant_BudgetExceeded": N_("only {availableFen} of the budget is not yet promised, and this needs {neededFen}"),
    "Grant_FirmHasActiveGrant": N_("{firm} already has a grant running"),
    "Grant_FirmHasDebt": N_("{firm} still owes {outstandingFen} from an earlier grant"),
    "Grant_FirmUnderPromise": N_("{firm} is still bound by the promise of an earlier grant, until {promiseEnd}"),
    "Grant_InvalidFirm": N_("{firm} runs the programme, so it cannot get a grant from it"),
    "Grant_AnotherGrantLive": N_("the firm's grant {liveGrantId} is still running or still owed, so it must be "
                                 "dealt with before grant {grantId}"),
    "Grant_FirmExcluded": N_("{firm} was caught cheating and may not get a grant until {until}"),
    "Grant_UnknownGrant": N_("there is no grant number {grantId}"),
    "Grant_NotActive": N_("grant {grantId} is no longer running: it is finished, ended or clawed back"),
    "Grant_WrongMilestone": N_("the next milestone of grant {grantId} is milestone {expected}, not {given}"),
    "Grant_NothingReceived": N_("grant {grantId} has paid the firm nothing yet, so there is nothing to claw back"),
    "Grant_AlreadyClawedBack": N_("grant {grantId} has already been clawed back"),
    "Grant_BadBreachTime": N_("{breachedAt} is before the firm was admitted, or still to come"),
    "Grant_PromiseKept": N_("the firm's promise to stay ended on {promiseEnd}, so leaving after that breaks nothing"),
    "Grant_NoDebt": N_("grant {grantId} has no debt to pay back"),
    "Grant_RepaymentExceedsDebt": N_("only {outstandingFen} is owed, and this pays back {amountFen}"),
    "Grant_InsufficientGrantMoney": N_("{firm} has only {availableFen} of grant money, and this is {amountFen}"),
    "Grant_WalletFrozen": N_("{wallet_s} wallet is frozen, grant money included"),
    "Grant_DepartmentWalletNeeded": N_("{department_s} wallet holds the programme's budget, so it cannot close"),
    # conditional payments
    "Conditional_NotToken": N_("only the e-CNY system may do that"),
    "Conditional_ZeroAddress": N_("no payee or verifier was named"),
    "Conditional_ZeroAmount": N_("the amount is zero"),
    "Conditional_AmountTooLarge": N_("{amountFen} is more than the most allowed, {maxFen}"),
    "Conditional_InvalidParties": N_("the payee must be someone other than the payer and the verifier"),
    "Conditional_DeadlineNotInFuture": N_("the deadline, {deadline}, is not in the future"),
    "Conditional_UnknownPayment": N_("there is no payment number {paymentId}"),
    "Conditional_DeadlinePassed": N_("the time to decide ended at {deadline}; now the money can only go back to "
                                     "the payer"),
    "Conditional_InvalidDisputeWindow": N_("the verifier's time to decide a dispute must be more than nothing and "
                                           "at most ten years, not {disputeWindow} days"),
    "Conditional_WalletFrozen": N_("{payer_s} wallet is frozen, so it cannot release the money itself"),
    # wages
    "Wage_NotToken": N_("only the e-CNY system may do that"),
    "Wage_ZeroAddress": N_("a contractor was not named"),
    "Wage_InvalidParties": N_("the main contractor and the subcontractor must be different"),
    "Wage_EmptyPayroll": N_("a pay run needs at least one worker"),
    "Wage_LengthMismatch": N_("the list of workers ({workers}) and the list of wages ({wages}) do not match"),
    "Wage_BadWorker": N_("{worker} cannot be on the pay run: a worker must be named, and cannot be one of the "
                         "contractors"),
    "Wage_ZeroWage": N_("{worker_s} wage is zero"),
    "Wage_DuplicateWorker": N_("{worker} is on the list twice"),
    "Wage_AmountTooLarge": N_("{amountFen} is more than the most allowed, {maxFen}"),
    "Wage_UnknownPayroll": N_("there is no pay run number {payrollId}"),
    "Wage_NotYetPayday": N_("before payday, {payday}, only {sub} may pay the wages"),
    "Wage_NotOnPayroll": N_("{worker} is not on pay run {payrollId}"),
    "Wage_AlreadySettled": N_("{worker_s} wage was already paid or sent back"),
    "Wage_WorkerWalletOpen": N_("{worker_s} wallet is still open: the wage must be paid, not taken back"),
    "Wage_WagesPending": N_("{subcontractor_s} wallet still holds {amountFen} of workers' wages, so it cannot close"),
    "Wage_PaydayTooLate": N_("that payday is too far in the future"),
    "Wage_MainContractorWalletNeeded": N_("{mainContractor} funded {pendingFen} of wages not yet paid, so its "
                                          "wallet cannot close"),
    # failures that are not custom errors
    "Error": N_('the contract says "{message}"'),
    "Panic": N_("the contract hit an internal error"),
    "": N_("the contract gave no reason"),
    "OutOfGas": N_("it ran out of gas, the computing budget of one transaction"),
}


class Refusals(Names):
    """The sentence of a refused transaction. Its facts may be named like the message helpers' own parameters
    (an ``Error``'s "message"), so its messages are translated first and filled in after: ``_(m).format(**a)``."""

    def refusal(self, record: Any) -> str:
        error = record.result.error
        name = getattr(error, "name", "") or ""
        kind = getattr(error, "kind", "custom")
        args = dict(getattr(error, "args", {}) or {})
        attempt = self.attempt(record)
        if kind == "empty":
            name = ""
        told = kind in ("custom", "Error", "Panic", "empty", "out_of_gas")
        reason = self.reason(name, self.reason_facts(record, args)) if told else None
        # TRANSLATORS: {attempt} is what was tried ("parent:li tries to leave the course"), {reason} why not.
        return self.w._("{attempt}, but it is refused: {reason}", attempt=attempt,
                        reason=reason if reason is not None else self.unknown_reason(name or kind))

    def unknown_reason(self, error: str) -> str:
        # TRANSLATORS: {error} is the name of a contract's error in code.
        return self.w._("the contract refused it ({error})", error=error)

    def _with_possessives(self, facts: dict[str, Any]) -> dict[str, Any]:
        return {**facts, **{f"{k}_s": self.w.possessive(v) for k, v in facts.items() if isinstance(v, str)}}

    # ------------------------------------------------------------------ why
    def reason(self, name: str, a: dict[str, Any]) -> str | None:
        special = self.special_reason(name, a)
        if special is not None:
            return special
        return self.w._(REASONS[name]).format(**a) if name in REASONS else None

    def special_reason(self, name: str, a: dict[str, Any]) -> str | None:
        w = self.w
        if name == "Grant_PurposeNotAllowed":
            # TRANSLATORS: {allowed} is whom grant money may pay ("payees registered for payroll or rent").
            rule = w._("grant money can only pay {allowed}", allowed=w.allowed_payees(a.get("allowed")))
            if a.get("self_payee"):
                return w._("{rule}, and a firm cannot pay itself", rule=rule)
            if not a.get("purpose_code"):
                return w._("{rule}, and {payee} is not on the payee register", rule=rule, payee=a["payee"])
            return w._("{rule}, and {payee} is registered for {purpose}", rule=rule, payee=a["payee"],
                       purpose=a["purpose"])
        if name == "Conditional_NotPending":
            return {"disputed": lambda: w._("the payment is disputed, so only {verifier} can decide it now").format(
                        **a),
                    "released": lambda: w._("the money was already paid"),
                    "returned": lambda: w._("the money was already unlocked for the payer"),
                    }.get(a.get("state"), lambda: w._("the payment is no longer waiting: it was already paid, sent "
                                                      "back or disputed"))()
        if name == "Conditional_NotAllowed":
            return {"confirm": lambda: w._("only {payer} or {verifier} may release the money").format(**a),
                    "reject": lambda: w._("only {payee} or {verifier} may send the money back").format(**a),
                    "dispute": lambda: w._("only {payee} may dispute the payment").format(**a),
                    }.get(a.get("function"), lambda: w._("{caller} may not decide this payment").format(**a))()
        if name == "Conditional_DeadlineNotReached":
            if a.get("state") == "disputed":
                return w._("the payment is disputed, and {verifier} has until {deadline} to decide").format(**a)
            return w._("the money can be unlocked only after the deadline, {deadline}").format(**a)
        if name == "Wage_NotMainContractor":
            if a.get("main_known"):
                return w._("only {main}, the main contractor, may do that").format(**a)
            return w._("only the main contractor may do that")
        return None

    def reason_facts(self, record: Any, args: dict) -> dict[str, Any]:
        """The error's arguments in words, and what the narrator knows that the reasons may need."""
        w = self.w
        out: dict[str, Any] = {"message": ""}
        for key, value in args.items():
            if is_address(value):
                out[key] = self.name(value)
            elif isinstance(value, bool) or not isinstance(value, int):
                out[key] = value
            elif key.endswith("Fen"):
                out[key] = w.money(value)
            elif key.endswith("Seconds") or key == "disputeWindow":
                out[key] = w.decimal(value / DAY)
            elif key in TIME_ARGS or key in DAY_ARGS:
                out[key] = self.when(w.day if key in DAY_ARGS else w.until if key in DEADLINE_ARGS else w.time, value)
            elif key in MILESTONE_ARGS:
                out[key] = value + 1
            elif key == "purpose":
                out[key], out["purpose_code"] = w.purpose(value), value
            elif key == "depositBps":
                out[key] = w.percent(value)
            else:
                out[key] = value
        wallet = args.get("wallet")
        tier_id = self.known.wallet_tier.get(wallet.lower()) if is_address(wallet) else None
        out["a_wallet"] = w.any_wallet(TIER_NAME_BY_ID.get(tier_id) if tier_id is not None else None)
        if "courseStart" in args and "earliestChargeAt" in args:
            out["lead"] = w.count(max(0, (args["courseStart"] - args["earliestChargeAt"]) // DAY), "day")
        c = self.known[record.contract]
        out["where"] = self.campaign_where(c) if c.kind == "campaign" else w.where(None)
        out["allowed"] = self.allowed(record.contract)
        payee = args.get("payee")
        out["self_payee"] = is_address(payee) and self.known.label_of(payee) == record.actor
        out["registrar"] = self.party(c.registrar, "registrar")
        out["main"], out["sub"] = self.party(c.main, "main"), self.party(c.sub, "sub")
        out["main_known"] = c.main is not None
        pay = c.payments.get(args.get("paymentId")) if c.kind == "conditional" else None
        out.setdefault("payer", self.party(pay.payer if pay else None, "payer"))
        out.setdefault("payee", self.party(pay.payee if pay else None, "payee"))
        out.setdefault("verifier", self.party(pay.verifier if pay else None, "verifier"))
        out["state"] = pay.state if pay else None
        out["function"] = record.function
        return self._with_possessives(out)

    # ------------------------------------------------------------------ what was tried
    def attempt(self, record: Any) -> str:
        w = self.w
        key, facts = self.attempt_facts(record)
        a = self._with_possessives(facts)
        if key == "enrol" and not a.get("fee"):
            return w._("{actor} tries to sign up for {lessons}").format(**a)
        if key == "close_wallet" and a["actor"] == a["wallet"]:
            return w._("{actor} tries to close their wallet").format(**a)
        if key == "close_wallet":
            return w._("{actor} tries to close {wallet_s} wallet").format(**a)
        if key == "cond_confirm" and a["actor"] == a["payee"]:
            return w._("{actor} tries to release {payer_s} {amount} to itself").format(**a)
        if key == "cond_confirm":
            return w._("{actor} tries to release {payer_s} {amount} to {payee}").format(**a)
        if key == "enrol":
            return w._("{actor} tries to prepay {fee} for {lessons} at {school}").format(**a)
        return w._(ATTEMPTS.get(key, ATTEMPTS["generic"])).format(**a)

    def attempt_facts(self, record: Any) -> tuple[str, dict[str, Any]]:
        w, a, n, m = self.w, list(record.args), self.name, self.w.money
        fn = record.function
        c = self.known[record.contract]
        facts: dict[str, Any] = {"actor": self.actor(record.actor), "function": fn,
                                 "contract": self.contract_name(record.contract)}

        def arg(i: int, default: Any = None) -> Any:
            return a[i] if len(a) > i else default

        key = {"enrol": "enrol", "cancelOrder": "cancel", "recordLesson": "record", "releaseMatured": "release",
               "refundOrders": "refund_orders", "freezeInstitution": "freeze", "approveInstitution": "approve",
               "publishCourse": "publish", "announceClosure": "announce", "disputeLessons": "dispute",
               "resolveDispute": "resolve", "releaseDeposits": "release_deposits", "claim": "claim", "pay": "pay",
               "refund": "refund", "sweep": "sweep", "fund": "fund", "transfer": "transfer", "redeem": "redeem",
               "issue": "issue", "closeWallet": "close_wallet", "freezeWallet": "freeze_wallet",
               "openWallet": "open_wallet", "openWallets": "open_wallet", "approveEarmark": "approve_earmark",
               "registerMerchants": "register", "constructor": "deploy"}.get(fn, "generic")
        if c.kind in NEW_KINDS:
            key = {"registerPayees": "register_payees", "removePayee": "remove_payee", "fund": "grant_fund",
                   "withdrawUnpaid": "withdraw_unpaid", "admitFirms": "admit", "attestMilestones": "attest",
                   "recordMissedMilestone": "missed", "recordBreach": "breach", "spend": "spend", "repay": "repay",
                   "create": "cond_create", "confirm": "cond_confirm", "reject": "cond_reject",
                   "dispute": "cond_dispute", "reclaim": "cond_reclaim", "fundPayroll": "fund_payroll",
                   "payWages": "pay_wages", "returnWage": "return_wage"}.get(fn, key)
            return key, self.subsidy_facts(key, facts, c, record)
        if key == "enrol":
            course = c.courses.get(arg(0))
            lessons = arg(1, 0)
            facts["lessons"] = w.count(lessons, "lesson")
            if course is not None:
                facts["fee"] = m(course.fee * lessons)
                facts["school"] = n(course.institution)
        elif key in ("refund_orders", "freeze", "approve"):
            facts["inst"] = n(arg(0, ""))
        elif key in ("claim", "fund"):
            facts["amount"] = m(arg(0, 0))
        elif key == "pay":
            facts["merchant"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key == "refund":
            facts["amount"] = m(arg(1, 0))
        elif key == "transfer":
            facts["to"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key in ("redeem", "issue"):
            facts["wallet"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key in ("close_wallet", "freeze_wallet"):
            facts["wallet"] = n(arg(0, ""))
        elif key == "approve_earmark":
            facts["controller"] = n(arg(0, ""))
        return key, facts

    def subsidy_facts(self, key: str, facts: dict[str, Any], c: Contract, record: Any) -> dict[str, Any]:
        """What a refused call to a grant, conditional-payment, wage or payee contract tried, in words."""
        w, n, m = self.w, self.name, self.w.money
        a = list(record.args)

        def arg(i: int, default: Any = None) -> Any:
            return a[i] if len(a) > i else default

        def many(value: Any, noun: str) -> str:
            items = value if isinstance(value, list) else []
            return w.who([n(x) for x in items], noun) if items else w.count(0, noun)

        if key == "remove_payee":
            facts["payee"] = n(arg(0, ""))
        elif key in ("grant_fund", "withdraw_unpaid"):
            facts["amount"] = m(arg(0, 0))
        elif key == "admit":
            facts["firms"] = many(arg(0), "firm")
        elif key == "attest":
            ids = arg(0) if isinstance(arg(0), list) else []
            facts["firms"] = w.who([self.grant_firm(record.contract, i) for i in ids], "firm") or w.count(0, "firm")
            facts["milestone"] = arg(1, 0) + 1
        elif key == "missed":
            facts["firm"], facts["milestone"] = self.grant_firm(record.contract, arg(0)), arg(1, 0) + 1
        elif key == "breach":
            facts["firm"] = self.grant_firm(record.contract, arg(0))
        elif key == "spend":
            facts["payee"], facts["amount"] = n(arg(0, "")), m(arg(1, 0))
        elif key == "repay":
            facts["amount"] = m(arg(1, 0))
        elif key == "cond_create":
            facts["payee"], facts["amount"] = n(arg(0, "")), m(arg(2, 0))
        elif key.startswith("cond_"):
            pay = c.payments.get(arg(0))
            facts["payee"] = self.party(pay.payee if pay else None, "payee")
            facts["payer"] = self.party(pay.payer if pay else None, "payer")
            facts["amount"] = m(pay.amount) if pay else w.unknown_money()
        elif key == "fund_payroll":
            wages = arg(1) if isinstance(arg(1), list) else []
            facts["workers"], facts["amount"] = many(arg(0), "worker"), m(sum(x for x in wages if isinstance(x, int)))
            facts["sub"] = self.party(c.sub, "sub")
        elif key == "pay_wages":
            facts["workers"] = many(arg(1), "worker")
        elif key == "return_wage":
            facts["worker"] = n(arg(1, ""))
        return facts

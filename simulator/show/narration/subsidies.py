"""Which sentence one event of the subsidy contracts gets: the payee register, a grant programme (budget,
tranches withheld or missed, grant money spent, clawbacks, debts), conditional payments and pay runs."""

from __future__ import annotations

from typing import Any

from ...domain.conditional import RETURN_REASONS
from .names import Names


class SubsidySentences(Names):
    def subsidy_event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        for tell in (self.grant_event, self.payment_event, self.wage_event):
            sentence = tell(record, ev, events)
            if sentence is not None:
                return sentence
        return None

    def grant_event(self, record: Any, ev: Any, events: list) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, name = w.money, ev.name
        firm = n(a["firm"]) if "firm" in a else ""
        if name == "PayeeRemoved":
            return w._("{registrar} takes {payee} off the payee register: it can no longer receive grant money for "
                       "{purpose}", registrar=self.actor(record.actor), payee=n(a["payee"]),
                       purpose=w.purpose(a["purpose"]))
        if name == "ProgrammeFunded":
            department = n(a["department"])
            return w.by_kind(department, w.p_("organisation", "{department} locks {amount} in its own wallet as the "
                                              "budget of {programme}"),
                             w.p_("person", "{department} locks {amount} in their own wallet as the budget of "
                                  "{programme}"),
                             department=department, amount=m(a["amountFen"]),
                             programme=self.contract_name(ev.contract))
        if name == "UnpaidWithdrawn":
            return w._("{department} takes back {amount} of budget that no firm was promised: it is free money again",
                       department=n(a["department"]), amount=m(a["amountFen"]))
        if name == "TrancheWithheld":
            facts = dict(firm=firm, milestone=a["milestone"] + 1, withheld=m(a["withheldFen"]),
                         cancelled=m(a["cancelledFen"]))
            if a["cancelledFen"]:
                # TRANSLATORS: {withheld} of the tranche pays the firm's debt; {cancelled} of the grant will not come.
                return w._("{firm} reaches milestone {milestone}, but it still owes the programme: {withheld} of the "
                           "tranche is kept against the debt instead of being paid, and {cancelled} of the grant is "
                           "cancelled", **facts)
            return w._("{firm} reaches milestone {milestone}, but it still owes the programme: {withheld} of the "
                       "tranche is kept against the debt instead of being paid", **facts)
        if name == "MilestoneMissed":
            return w._("{firm} misses milestone {milestone}: its grant ends and the {cancelled} still to come is "
                       "cancelled; grant money already paid stays bound to its purpose", firm=firm,
                       milestone=a["milestone"] + 1, cancelled=m(a["cancelledFen"]))
        if name == "GrantSpent":
            # TRANSLATORS: {purpose} is what the payee is registered for ("rent").
            return w._("{firm} pays {amount} of grant money to {payee} for {purpose}", firm=firm, payee=n(a["payee"]),
                       purpose=w.purpose(a["purpose"]), amount=m(a["amountFen"]))
        if name == "GrantClawedBack":
            return self.clawback(record, a, firm)
        if name == "FirmExcluded":
            return w._("{firm} is barred from any new grant until {date}", firm=firm, date=self.when(w.day, a["until"]))
        if name == "DebtRepaid":
            facts = dict(firm=firm, amount=m(a["amountFen"]), outstanding=m(a["outstandingFen"]))
            if a["outstandingFen"] == 0:
                return w.by_kind(firm, w.p_("organisation", "{firm} pays back {amount} of its own money to the "
                                            "programme; the debt is paid off"),
                                 w.p_("person", "{firm} pays back {amount} of their own money to the programme; the "
                                      "debt is paid off"), **facts)
            return w.by_kind(firm, w.p_("organisation", "{firm} pays back {amount} of its own money to the programme; "
                                        "{outstanding} is still owed"),
                             w.p_("person", "{firm} pays back {amount} of their own money to the programme; "
                                  "{outstanding} is still owed"), **facts)
        if name == "GrantMoneyReturnedOnClose":
            return w._("The {amount} of grant money left unspent in {firm_s} wallet goes back to the programme",
                       firm_s=w.possessive(firm), amount=m(a["amountFen"]))
        if name == "MilestoneSkipped":
            why = {1: lambda: w.p_("why a milestone is passed over", "there is no such grant"),
                   2: lambda: w.p_("why a milestone is passed over", "the grant is not running"),
                   3: lambda: w.p_("why a milestone is passed over", "that is not its next milestone"),
                   4: lambda: w.p_("why a milestone is passed over", "the firm's wallet cannot take the tranche now"),
                   }.get(a["reason"], lambda: w.p_("why a milestone is passed over", "it cannot be settled"))
            return w._("milestone {milestone} of grant {grant} is passed over: {why}", milestone=a["milestone"] + 1,
                       grant=a["grantId"], why=why())
        return None

    def clawback(self, record: Any, a: dict, firm: str) -> str:
        w, m = self.w, self.w.money
        fraud = bool(record.function == "recordBreach" and len(record.args) >= 3 and record.args[2] is True)
        credited = a.get("creditedOnCloseFen", 0)
        if fraud:
            lead = w._("{firm} was caught cheating", firm=firm)
        else:
            lead = w._("{firm} moved away on {date}, breaking its promise to stay", firm=firm,
                       date=self.when(w.day, a["breachedAt"]))
        facts = dict(lead=lead, owed=m(a["principalFen"] + a["interestFen"] - credited), principal=m(a["principalFen"]),
                     interest=m(a["interestFen"]), credited=m(credited))
        if credited:
            # TRANSLATORS: {lead} says why the firm owes ("firm:x was caught cheating"); {owed} is {principal} plus
            # {interest} (less {credited}, money already back when its wallet closed).
            owes = w._("{lead}, so it owes {owed} ({principal} of grant received plus {interest} interest, less "
                       "{credited} already back from its closed wallet)", **facts)
        else:
            owes = w._("{lead}, so it owes {owed} ({principal} of grant received plus {interest} interest)", **facts)
        facts = dict(owes=owes, returned=m(a["returnedUnspentFen"]), outstanding=m(a["outstandingFen"]))
        if not a["returnedUnspentFen"]:
            # TRANSLATORS: {owes} is the sentence so far, what the firm owes; {returned} of it is paid back at once.
            return w._("{owes}; no grant money was left unspent, so all {outstanding} is still owed", **facts)
        if not a["outstandingFen"]:
            return w._("{owes}; {returned} of unspent grant money goes back at once and covers it all", **facts)
        return w._("{owes}; {returned} of unspent grant money goes back at once, {outstanding} is still owed", **facts)

    def payment_event(self, record: Any, ev: Any, events: list) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, name = w.money, ev.name
        if name == "PaymentCreated":
            payer = n(a["payer"])
            # TRANSLATORS: {verifier} confirms the condition; {deadline} is a time.
            return w.by_kind(payer, w.p_("organisation", "{payer} locks {amount} in its own wallet for {payee}: it is "
                                         "paid when {verifier} confirms the condition, and is unlocked again if "
                                         "nobody decides by {deadline}"),
                             w.p_("person", "{payer} locks {amount} in their own wallet for {payee}: it is paid when "
                                  "{verifier} confirms the condition, and is unlocked again if nobody decides by "
                                  "{deadline}"),
                             payer=payer, payee=n(a["payee"]), verifier=n(a["verifier"]), amount=m(a["amountFen"]),
                             deadline=self.when(w.time, a["deadline"]))
        if name not in ("PaymentDisputed", "PaymentReleased", "PaymentReturned"):
            return None
        pay = self.known[ev.contract].payments.get(a["paymentId"])
        payer = self.party(pay.payer if pay else a.get("payer"), "payer")
        facts = dict(payer=payer, payer_s=w.possessive(payer), payee=self.party(pay.payee if pay else a.get("payee"),
                                                                               "payee"),
                     verifier=self.party(pay.verifier if pay else None, "verifier"))
        if name == "PaymentDisputed":
            if pay:
                money = w.p_("the money of a disputed payment", "the {amount}", amount=m(pay.amount))
            else:
                money = w.p_("the money of a disputed payment", "the money")
            decide_by = a.get("decideBy")
            if isinstance(decide_by, int):
                # TRANSLATORS: {money} is "the ¥20,000" (or "the money"); {decide_by} is a time.
                return w._("{payee} says the condition is met but {payer} will not confirm: {money} stays locked, and "
                           "now only {verifier} can decide, by {decide_by}, or it goes back to {payer}", money=money,
                           decide_by=self.when(w.time, decide_by), **facts)
            return w._("{payee} says the condition is met but {payer} will not confirm: {money} stays locked, and now "
                       "only {verifier} can decide", money=money, **facts)
        if name == "PaymentReleased":
            if pay is not None and a["decidedBy"].lower() == pay.payer.lower():
                return w.by_kind(payer, w.p_("organisation", "{payer} confirms: the {amount} locked in its wallet goes "
                                             "to {payee}"),
                                 w.p_("person", "{payer} confirms: the {amount} locked in their wallet goes to "
                                      "{payee}"),
                                 amount=m(a["amountFen"]), **facts)
            return w._("{by} confirms the condition is met: the {amount} locked in {payer_s} wallet goes to {payee}",
                       amount=m(a["amountFen"]), by=n(a["decidedBy"]), **facts)
        r = a["reason"]
        reason = RETURN_REASONS[r] if isinstance(r, int) and 0 <= r < len(RETURN_REASONS) else None
        back = w._("the {amount} locked for {payee} is unlocked in {payer_s} wallet, free to spend again",
                   amount=m(a["amountFen"]), **facts)
        if reason == "ConditionFailed":
            # TRANSLATORS: {back} says the money is unlocked for the payer ("the ¥20,000 locked for ... is unlocked").
            return w._("{verifier} finds the condition is not met: {back}", back=back, **facts)
        if reason == "PayeeDeclined":
            return w._("{payee} turns the payment down: {back}", back=back, **facts)
        if reason == "DeadlinePassed" and pay:
            return w._("Nobody decided by {deadline}: {back}", back=back, deadline=self.when(w.time, pay.deadline))
        if reason == "DeadlinePassed":
            return w._("Nobody decided in time: {back}", back=back)
        return w._("The payment goes back: {back}", back=back)

    def wage_event(self, record: Any, ev: Any, events: list) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, name = w.money, ev.name
        c = self.known[ev.contract]
        if name == "PayrollFunded":
            wages = [e.args["amountFen"] for e in events if e.name == "WageAssigned" and e.contract == ev.contract
                     and e.args["payrollId"] == a["payrollId"]]
            sub = self.party(c.sub, "sub")
            facts = dict(main=self.party(c.main, "main"), sub=sub, sub_s=w.possessive(sub),
                         workers=w.count(a["workers"], "worker"), total=m(a["totalFen"]),
                         payday=self.when(w.time, a["payday"]))
            if wages and len(set(wages)) == 1 and len(wages) > 1:
                # TRANSLATORS: {workers} is a count ("4 workers"); {payday} a time.
                return w._("{main} puts {total} of wages for {workers} ({each} each) into {sub_s} wallet, locked: "
                           "{sub} can pay it only to those workers, and from {payday} anyone may pay them",
                           each=m(wages[0]), **facts)
            return w._("{main} puts {total} of wages for {workers} into {sub_s} wallet, locked: {sub} can pay it only "
                       "to those workers, and from {payday} anyone may pay them", **facts)
        if name == "WageReturned":
            worker, sub = n(a["worker"]), self.party(c.sub, "sub")
            return w.by_kind(worker, w.p_("organisation", "{worker_s} wallet is closed, so its {amount} of wages goes "
                                          "back from {sub_s} wallet to {main}"),
                             w.p_("person", "{worker_s} wallet is closed, so their {amount} of wages goes back from "
                                  "{sub_s} wallet to {main}"),
                             worker_s=w.possessive(worker), amount=m(a["amountFen"]), sub_s=w.possessive(sub),
                             main=self.party(c.main, "main"))
        if name == "WageSkipped":
            why = {1: lambda: w.p_("why a worker is passed over", "not on the pay run"),
                   2: lambda: w.p_("why a worker is passed over", "already paid"),
                   3: lambda: w.p_("why a worker is passed over", "a wallet that cannot take the money now"),
                   }.get(a["reason"], lambda: w.p_("why a worker is passed over", "cannot be paid"))
            return w._("{worker} is passed over ({why}); nobody else's pay waits", worker=n(a["worker"]), why=why())
        return None
